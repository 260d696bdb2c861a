import { describeStack } from "../support/stack-checks";

describeStack("prod");
