// Package agent spreads one load run over many processes: agents that each drive a deterministic share of it, found through etcd and driven over geerpc by a coordinator that merges their HDR histograms exactly into one report.
//
// The control service follows gRPC's benchmark driver and workers. The
// coordinator gives every agent the whole Plan and its Share (Setup); each
// agent discovers the targets, dials and warms up, and answers only then,
// which is the barrier. Every agent starts on the coordinator's Start, and
// the coordinator's Mark, every interval, closes a measurement window on
// every agent at once: each answers with a loadgen.Snapshot of what
// completed since its last Mark (histograms in HdrHistogram's compressed
// encoding, counts by outcome, method and instance), which the coordinator
// merges exactly. Windows follow the coordinator's marks, never the agents'
// wall clocks; latency is measured on each agent's monotonic clock from each
// call's due time, once. Each agent's clock offset is measured over a round
// trip and shown in the report.
//
// Shares add up to the ask exactly: in an open loop agent i of n sends calls
// i, i+n, i+2n, ... of the whole run's pacer (SlicePacer), so the agents'
// calls interleave; in a closed loop the workers (and a call count) are
// split as evenly as whole numbers allow.
//
// Failures are data. An agent that dies, or loses its etcd lease, is named
// in the report with what it had sent, and the report is partial. Every
// agent holds an Attach call open for the whole run: when the coordinator's
// connection closes the agent stops at once, and when no Mark comes for a
// while (a hung coordinator, Plan.Watchdog) it stops on its own.
package agent
