import { BOOTSTRAP_PROGRAM } from "../../tools/program-bundle";
import { describeBootstrapStack } from "../support/bootstrap-checks";
import { describePolicyPack } from "../support/policy-checks";

describeBootstrapStack("dev");
describePolicyPack("dev", BOOTSTRAP_PROGRAM);
