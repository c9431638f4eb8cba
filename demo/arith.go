package demo

// Args are the operands of the Arith methods.
type Args struct {
	A, B int
}

// Arith is the tutorial's arithmetic service. It keeps no state and answers
// immediately, whatever the instance's configured latency.
type Arith struct{}

// Add sets *reply to A+B.
func (t *Arith) Add(args Args, reply *int) error {
	*reply = args.A + args.B
	return nil
}

// Mul sets *reply to A*B.
func (t *Arith) Mul(args Args, reply *int) error {
	*reply = args.A * args.B
	return nil
}

// Div sets *reply to A/B (integer division) and returns ErrDivideByZero
// when B is 0.
func (t *Arith) Div(args Args, reply *int) error {
	if args.B == 0 {
		return ErrDivideByZero
	}
	*reply = args.A / args.B
	return nil
}
