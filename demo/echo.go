package demo

// EchoArgs is the request of Echo.Echo. Nonce identifies the call, so a
// caller can prove that no reply is lost, duplicated or misdelivered.
type EchoArgs struct {
	Nonce   uint64
	Payload []byte
}

// EchoReply is the answer of Echo.Echo: the request's Nonce and Payload and
// the name of the instance that served it.
type EchoReply struct {
	Nonce    uint64
	Payload  []byte
	Instance string
}

// Echo returns what it is sent. It answers immediately, whatever the
// instance's configured latency, so it measures the framework alone.
type Echo struct {
	s *state
}

// Echo copies args into reply and names the serving instance.
func (e *Echo) Echo(args EchoArgs, reply *EchoReply) error {
	reply.Nonce = args.Nonce
	reply.Payload = args.Payload
	reply.Instance = e.s.instance
	return nil
}
