// Package loadgen drives honest open- and closed-loop load through any Invoker and reports HDR latency histograms, per-instance shares and a timeline.
//
// A run is a stream of Results, one per call; errors are data in a Result,
// never a reason to stop. Metrics are built from the stream by Add then
// Close, and the reports (WriteText, WriteJSON, WriteCSV) are functions of
// the Metrics. Run does all of it:
//
//	m, err := loadgen.Run(ctx, client, loadgen.Options{
//		Targets:  []loadgen.Target{loadgen.EchoTarget(581)},
//		Pacer:    loadgen.ConstantPacer{PerSecond: 5000},
//		Duration: 30 * time.Second,
//		Timeout:  time.Second,
//	})
//	loadgen.WriteText(os.Stdout, m)
//
// Closed loop (no Pacer): Concurrency workers each keep InFlight calls in
// flight, as the rpcx and kitex suites do; latency runs from send to reply.
//
// Open loop (a Pacer): each call is due when the pacer says, and its latency
// runs from that due time, not from when it was sent, so a stalled server
// cannot hide its stall (coordinated omission corrected, as in wrk2).
// Workers grow whenever a call is due and all are busy, up to MaxWorkers;
// calls that then wait are counted as Late. The pacer never sleeps once per
// call: it sends every call already due, then sleeps until the next one, on
// a runtime timer until 1.5ms before it and then (on Linux) in a
// high-resolution nanosleep, because runtime timers end up to a millisecond
// late. Metrics.Lag reports how late calls left.
//
// Recording: each worker records into its own shard of Metrics (HDR
// histograms overall, per method, per instance and per outcome, plus the
// open timeline interval), under a mutex that only its own in-flight calls
// contend for; workers beyond 4×GOMAXPROCS share shards round robin. The
// shards merge when the run ends; a ticker cuts the timeline from all shards
// at each interval. Recording one result costs about 55ns here and allocates
// nothing. A call counts under the instance its InstanceInvoker (an
// XClient) sent it to, failed calls included, so that errors land on the
// instance that caused them; with a plain Invoker it counts under the
// instance its reply names (EchoReply.Instance, WorkReply.Instance).
//
// To spread a run over many processes or machines, see loadgen/agent: its
// agents send Snapshots that a coordinator merges exactly (MergeSnapshot).
//
// The JSON report's schema is documented in SCHEMA.md.
package loadgen
