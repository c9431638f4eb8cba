package xclient

// Instance is one server known to discovery, with its balancing weight.
type Instance struct {
	// Addr is the server address in protocol@addr form, e.g. "tcp@127.0.0.1:9999".
	Addr string
	// Weight is the relative share of traffic for WeightedRoundRobinSelect.
	// Zero or negative means the default weight 1.
	Weight int
}

// WeightedDiscovery is an optional interface a Discovery may implement to
// carry per-instance weights (for example from registry metadata). When the
// Discovery given to an XClient implements it, GetAllWeighted is used instead
// of GetAll; otherwise every instance has weight 1.
type WeightedDiscovery interface {
	// GetAllWeighted returns the current instances with their weights.
	// It returns an error wrapping ErrNoInstances when there are none.
	GetAllWeighted() ([]Instance, error)
}
