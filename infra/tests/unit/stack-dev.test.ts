import { describeDeployment } from "../support/deployment-checks";
import { describePolicyPack } from "../support/policy-checks";
import { describeStack } from "../support/stack-checks";

describeStack("dev");
describePolicyPack("dev");
describeDeployment("dev");
