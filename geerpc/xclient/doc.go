// Package xclient calls a set of geerpc servers found by a Discovery, balancing each call across them with a pluggable Balancer and retrying by a fail mode.
//
// It keeps the original GeeRPC API (SelectMode, Discovery,
// NewMultiServerDiscovery, NewXClient, Call, Broadcast, Close) and adds
// NewXClientWithOptions, Go, three balancing modes (smooth weighted round
// robin, consistent hashing, power of two choices on peak-EWMA latency), the
// Failover and Failtry modes with backoff, a retry budget and hedging, and
// outlier ejection.
//
// Discoveries may carry weights by implementing WeightedDiscovery
// (GetAllWeighted returning []Instance); the XClient then reads the instances
// from GetAllWeighted instead of GetAll. Either is called on every call, so
// it should answer from a cache, and it reports an empty set with an error
// wrapping ErrNoInstances. Other discovery errors leave the XClient on the
// instances it last knew.
//
// Per call, the context may carry a hash key (WithHashKey), mark the call
// idempotent (WithIdempotent) and ask which instance served it
// (WithCallInfo).
package xclient
