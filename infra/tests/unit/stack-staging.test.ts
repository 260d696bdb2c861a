import { describeDeployment } from "../support/deployment-checks";
import { describePolicyPack } from "../support/policy-checks";
import { describeStack, workspaceManifests } from "../support/stack-checks";

describeStack({ stack: "staging", manifests: await workspaceManifests() });
describePolicyPack("staging");
describeDeployment("staging");
