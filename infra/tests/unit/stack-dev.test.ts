import { describeStack, workspaceManifests } from "../support/stack-checks";

describeStack({ stack: "dev", manifests: await workspaceManifests() });
