import { describeBootstrapStack } from "../support/bootstrap-checks";

describeBootstrapStack("dev");
