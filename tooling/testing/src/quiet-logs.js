// Powertools logs JSON on stdout; tests read results, not logs.
process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
process.env.AWS_REGION ??= "us-east-1";
