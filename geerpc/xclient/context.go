package xclient

import "context"

type ctxKey int

const (
	hashKeyKey ctxKey = iota
	idempotentKey
	callInfoKey
)

// WithHashKey returns a context whose calls ConsistentHashSelect routes by
// key: the same key goes to the same instance while the set of instances is
// unchanged.
func WithHashKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, hashKeyKey, key)
}

// HashKey returns the key set with WithHashKey, for custom balancers.
func HashKey(ctx context.Context) (string, bool) {
	k, ok := ctx.Value(hashKeyKey).(string)
	return k, ok
}

// WithIdempotent returns a context whose calls are marked idempotent: safe to
// run more than once. Such calls are retried (by the fail mode) after any
// error that is not the server's answer, and may be hedged; other calls are
// retried only when their request surely was not sent.
func WithIdempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey, true)
}

func isIdempotent(ctx context.Context) bool {
	v, _ := ctx.Value(idempotentKey).(bool)
	return v
}

// CallInfo reports how an XClient served one call.
type CallInfo struct {
	// Addr is the instance that answered, or the last one tried when the
	// call failed; empty when no instance was tried.
	Addr string
	// Attempts counts the requests tried, hedged ones included.
	Attempts int
	// Hedged is true when the answer came from a hedged (backup) request.
	Hedged bool
}

// WithCallInfo returns a context whose calls (Call and Go, not Broadcast)
// fill info when they return. Use one CallInfo per call.
func WithCallInfo(ctx context.Context, info *CallInfo) context.Context {
	return context.WithValue(ctx, callInfoKey, info)
}

func callInfoFrom(ctx context.Context) *CallInfo {
	info, _ := ctx.Value(callInfoKey).(*CallInfo)
	return info
}
