// Package uplink is the device's MQTT session (paho.mqtt.golang, MQTT
// 3.1.1): it moves records from an [outbox.Queue] to the broker, publishes
// the device's retained status and hardware profile, and hands the fleet's
// commands to a [CommandSink]. Topics and payloads are those of
// ../shared/SPEC.md and package wire:
//
//	edge/{id}/status          retained Status: "online" on connect, "offline" as the last will and at Close
//	edge/{id}/hardware        retained hardware profile, on every connect
//	edge/{id}/predictions     wire.Batch of records, each {"seq":N,...}
//	edge/{id}/alerts          wire.Batch (any class other than metrics)
//	edge/{id}/metrics         one wire.Metrics per record, with its seq
//	edge/{id}/cmd, edge/group/{g}/cmd, edge/all/cmd    subscribed, QoS 1, to the sink
//	edge/{id}/cmd/response    Respond, QoS 1
//	edge/{id}/cmd/progress    PublishProgress, QoS 0, not retained, never waited for
//
// # Basics
//
// [New] checks the options; [Uplink.Run] connects and stays connected until
// its context ends or [Uplink.Close] is called. Each connection:
//
//  1. reads the password file and the TLS files (so rotated credentials are
//     picked up), and connects with client id = device id, clean session,
//     and the retained status "offline" as the last will;
//  2. subscribes the command topics (QoS 1);
//  3. publishes the retained status "online" and the hardware profile,
//     waiting for their PUBACKs;
//  4. drains the outbox: classes in [outbox.Queue.Classes] order (highest
//     priority first, checked again before every message, so an alert
//     overtakes a predictions backlog), records in seq order within a
//     class, every message QoS 1 to edge/{id}/{class}, at most
//     Options.InFlight awaiting their PUBACK; then it sleeps until
//     [outbox.Queue.Notify] says there is more.
//
// A failed attempt or a lost connection is followed by a wait drawn from
// exponential backoff with full jitter (uniform in [0, min(BackoffMax,
// BackoffMin·2ⁿ)] after the n-th failure in a row; the count resets after a
// connection that stayed up StableAfter) and a new attempt, forever. With
// several broker URLs, each attempt tries them in order.
//
// # Guarantees
//
// At least once, in order. A record leaves the outbox ([outbox.Queue.Remove])
// only after the broker acknowledged the message carrying it (PUBACK).
// Records of a class are published in seq order on one connection (paho
// writes PUBLISH packets in the order they are handed to it, from one
// goroutine). After a lost connection, a failed publish, an
// acknowledgement that did not come within AckTimeout, or a crash of the
// process, the next connection starts again from the oldest record still
// in the outbox. So a consumer sees every seq, in order, except that after
// a reconnect it may see again records it already got: at most the
// in-flight window (InFlight messages, so InFlight × BatchMaxRecords
// records of a class, InFlight for metrics), never older. Seq alone tells
// the consumer what is new, what is a duplicate and what is missing (a gap
// is a record the outbox dropped, which it counts).
//
// Why clean sessions and our own resend. The outbox is the one durable
// store: what it holds is exactly what is not yet acknowledged. paho's
// session store would be a second copy (in memory: lost on reboot; on
// file: a second fsync per message), and its resume after a reconnect
// replays its own messages before ours, so seq order would depend on two
// stores agreeing. With CleanSession the broker keeps no state for the
// device either, so failing over to another broker behaves like
// reconnecting to the same one. The price: commands sent while the device
// is offline are not queued by the broker (the console reports who did not
// answer).
//
// Callbacks never block paho. paho deadlocks when a handler blocks. The
// connection-lost handler only closes a channel. Command messages are
// handled on a goroutine per message (paho's OrderMatters false), which
// copies the message into a queue of CommandQueue places, waiting at most
// CommandWait (then the command is dropped, counted and logged); one
// goroutine of the uplink takes them from the queue to [CommandSink.Submit].
// Every wait for a PUBACK or SUBACK is bounded by AckTimeout.
//
// Payloads. A record's payload must be a JSON object; the uplink adds
// "seq" as its first member ([wire.WithSeq]) and leaves out any top-level
// "seq" of its own. A payload that is not a JSON object is neither dropped
// (a gap) nor sent as is (it would make the whole batch unreadable): it is
// sent as {"seq":N,"malformed":true,"raw":BASE64}, counted in
// Stats.RecordsMalformed and logged. A metrics record's payload is a
// wire.Metrics object (its "ts" and "metrics" are kept, "device" and "seq"
// set by the uplink) or, without a "metrics" object, the metrics
// themselves, stamped with the record's time.
//
// Size and compression. A message's JSON never exceeds BatchMaxBytes,
// except a message of a single record larger than that by itself. With
// Options.Gzip, record messages are gzip-compressed when that makes them
// smaller; a consumer tells by the first two bytes (0x1f 0x8b, which a JSON
// text never starts with) and calls [Decode], which passes JSON through.
// Status, hardware and responses are never compressed.
//
// Rate limits. RateMessages and RateBytes are token buckets in front of
// every record message (a second's worth of burst): a backlog drains at
// the configured pace instead of flooding the broker or a cellular link.
//
// # Caveats
//
// As of 2026-11, with MQTT 3.1.1:
//
//   - At least once is between the device and the broker. A broker that
//     acknowledges a message and then dies before delivering or persisting
//     it loses it (mosquitto without persistence does); the consumer sees
//     the gap by seq.
//   - The last will is fixed when the connection is made: its "ts" is the
//     time of the connect, not of the loss. Consumers should take the time
//     they receive an offline status.
//   - Respond is not queued: without a connection it fails at once with
//     [ErrNotConnected]. Commands still in the queue when Run ends are
//     dropped; paho has acknowledged them.
//   - A message larger than the broker's limit (mosquitto's
//     message_size_limit) makes the broker close the connection, and the
//     uplink retries the same message forever: keep BatchMaxBytes, and
//     single records, below the broker's limit.
//   - Publishing blocks while paho's writer is busy (a slow link); paho
//     bounds that by its write timeout, set to AckTimeout.
package uplink
