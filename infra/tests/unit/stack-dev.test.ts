import { describeDeployment } from "../support/deployment-checks";
import { describePolicyPack } from "../support/policy-checks";
import { describeStack, workspaceManifests } from "../support/stack-checks";

describeStack({ stack: "dev", manifests: await workspaceManifests() });
describePolicyPack("dev");
describeDeployment("dev");
