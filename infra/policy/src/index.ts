// The policy pack the Pulumi CLI runs (PulumiPolicy.yaml, `pulumi preview|up --policy-pack infra/policy`):
// serves FLEET_POLICIES to the engine. The only module with side effects.
import { PolicyPack } from "@pulumi/policy";
import { FLEET_POLICIES } from "./policies";

new PolicyPack("fleet-floor", { policies: FLEET_POLICIES, enforcementLevel: "mandatory" });
