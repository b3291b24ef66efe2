// Package command is the device side of the fleet command channel
// (../shared/SPEC.md, "MQTT"): it decodes the commands that arrive on
// edge/{id}/cmd, edge/group/{g}/cmd and edge/all/cmd, runs each through a
// [Registry] of handlers at most once, and answers on edge/{id}/cmd/response.
//
// # Basics
//
// Other packages add handlers to a [Registry] under the names of SPEC.md:
//
//	ping            built in here: [Ping] answers {"pong": true, "ts": ...}
//	status          the retained status ([Status] wraps a func returning it)
//	probe           the hardware profile ([Probe])
//	buffer.stats    the outbox statistics ([BufferStats])
//	config.get      the running configuration (agent)
//	reload          reload the configuration (agent)
//	models.list     the installed models (agent)
//	model.activate  activate an installed model version (agent)
//	model.rollback  return to the previous model version (agent)
//	ota.apply       verify and install a signed bundle (ota)
//	agent.update    replace the agent binary (ota)
//
// A [Handler] receives the command's args (a JSON object, or nil) and a
// context that is cancelled when its timeout passes; it returns a value that
// is encoded as the response's result, or an error. An error that is (or
// wraps) a [*wire.Error] sets the response's error code (use
// [wire.CodeBadRequest] for bad args; [DecodeArgs] does it); any other error
// answers [wire.CodeFailed].
//
// The uplink hands every received message to [Dispatcher.Submit], which never
// blocks: it decodes the command, answers malformed ones at once
// ([wire.CodeBadRequest]), and queues the rest, answering [wire.CodeBusy] at
// once when the bounded queue is full. [Dispatcher.Run] takes the queued
// commands one at a time, in arrival order, and for each:
//
//  1. an id seen before (kept in a [SeenStore]) does not run again: the
//     response it produced the first time is sent again;
//  2. an expires_at in the past answers [wire.CodeExpired];
//  3. a name with no handler answers [wire.CodeUnknown];
//  4. otherwise the id is recorded as started, the handler runs, and its
//     response is recorded with the id before it is sent. A handler that
//     outlives its timeout answers [wire.CodeTimeout] (its context is
//     cancelled); a handler that panics answers [wire.CodeFailed] and the
//     agent goes on.
//
// Every response carries the device id. Commands run one at a time because
// most of them change shared state (the active model, the configuration, the
// agent binary) and their order matters (activate, then roll back); commands
// are rare and their handlers short, and a handler that needs long (ota.apply)
// gets its own timeout through [Options].Timeouts.
//
// # Progress
//
// A long handler (ota.apply's download, verify, install, activate) calls
// [ReportProgress] with its context as it goes. The [Dispatcher] fills in
// the command id and device, rate-limits the reports (one per
// [ProgressInterval] per command, except that a new stage always goes) and
// hands them to [Options].Progress (the uplink publishes them, QoS 0, on
// edge/{id}/cmd/progress) from the goroutine that sends the responses, so a
// command's reports go before its response and none after it. Progress is
// outside the one-response contract: reports are not stored with the id, a
// redelivered id gets only its stored response, and reports are dropped
// (counted in [Stats]) rather than hold up a handler when the sender is
// slow.
//
// # Guarantees
//
//   - A command id runs at most once per device for as long as the id is kept
//     in the [SeenStore]: [OpenSeen]'s bbolt file keeps it across restarts and
//     power cuts (the "started" mark is fsynced before the handler runs), for
//     the store's TTL or until the command's expires_at, whichever is later.
//     This holds when the same id arrives twice on one topic (a QoS 1
//     redelivery) or once on each of edge/{id}/cmd, edge/group/{g}/cmd and
//     edge/all/cmd.
//   - Every decodable command with an id gets exactly one response per
//     delivery, unless the dispatcher stops first or the response queue
//     overflows (both logged and counted in [Stats]).
//   - No payload crashes the agent: decoding is fuzzed ([Decode]), and
//     handler panics are recovered.
//
// # Caveats
//
//   - As of 2026-11: a command whose handler was running when the device lost
//     power or was killed is not run again after the restart; its
//     redelivery is answered [wire.CodeFailed] ("interrupted"). Whether its
//     effect happened is for the handler's own state to say (ota.apply, for
//     one, installs atomically).
//   - A handler that times out may still finish its work later if it ignores
//     its context; its response already said "timeout", and the next command
//     may start while it is still running.
//   - Commands still queued when [Dispatcher.Run] returns are dropped without
//     an answer (they were acknowledged to the broker already); the console
//     reports the device as not answering.
//   - A command without expires_at is at most once only within the store's
//     TTL: the console always sets expires_at.
package command
