import { BOOTSTRAP_PROGRAM } from "../../tools/program-bundle";
import { describeBootstrapStack } from "../support/bootstrap-checks";
import { describePolicyPack } from "../support/policy-checks";

describeBootstrapStack("staging");
describePolicyPack("staging", BOOTSTRAP_PROGRAM);
