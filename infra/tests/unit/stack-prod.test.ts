import { describeStack, workspaceManifests } from "../support/stack-checks";

describeStack({ stack: "prod", manifests: await workspaceManifests() });
