// The error a command throws for bad usage: `claimtrack` prints it with the usage and exits 2.

export class UsageError extends Error {}
