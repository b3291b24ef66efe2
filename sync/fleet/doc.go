// Package fleet is the console side of the fleet channel (../shared/SPEC.md,
// "MQTT"): it lists devices from their retained status, sends commands to a
// device, a group or the whole fleet and collects the answers, and watches
// what devices publish. edgectl's `fleet` commands are built on it.
//
// # Basics
//
// A [Console] holds the broker address and credentials (the same TLS,
// mutual TLS and username/password-file options as a device's uplink). Each
// call opens its own MQTT connection (clean session, a random client id
// unless ClientID is set) and closes it before returning:
//
//   - [Console.Devices] reads the retained edge/+/status and edge/+/hardware
//     messages. It returns as soon as the broker has delivered them all (it
//     publishes a marker to itself after subscribing, which the broker
//     delivers after the retained messages), or when wait passes where the
//     marker cannot come back (a broker whose ACL refuses it).
//   - [Console.Send] subscribes edge/+/cmd/response and edge/+/status, then
//     publishes a [wire.Command] with a fresh random id and expires_at (now +
//     wait unless [Console].Expires says otherwise) on edge/{id}/cmd,
//     edge/group/{g}/cmd or edge/all/cmd, and collects the responses with
//     that id. For a device it stops at its answer; for a group or the fleet
//     it waits the whole wait, then names the expected devices that did not
//     answer: the group's members by their retained status, or every device
//     whose retained status is online. [Console.SendWithProgress] also
//     subscribes edge/{id}/cmd/progress (edge/+/cmd/progress for a group or
//     the fleet) before publishing, and passes each progress report of the
//     command ([wire.Progress]: stage, done, total) to a callback as it
//     arrives, for long commands such as ota.apply.
//   - [Console.Watch] calls a function for each status, hardware profile,
//     prediction and alert record, metrics message, command response and
//     progress report the devices publish, decoding gzip-compressed record
//     messages (uplink's Options.Gzip) and reconnecting after a lost
//     connection.
//
// # Caveats
//
//   - As of 2026-11: which devices a group or "all" command is expected to
//     reach is read from retained status, so a device that never published
//     one (or whose status lacks its groups) is not expected, though it is
//     listed if it answers ([Reply].Expected is false).
//   - A command is not retained: a device that is offline when it is sent
//     never sees it. Its expires_at makes a late redelivery harmless.
package fleet
