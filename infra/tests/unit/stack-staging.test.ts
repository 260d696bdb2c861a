import { describeStack, workspaceManifests } from "../support/stack-checks";

describeStack({ stack: "staging", manifests: await workspaceManifests() });
