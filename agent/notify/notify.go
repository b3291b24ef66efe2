// Package notify tells systemd about the agent's life cycle through the
// sd_notify protocol: READY=1 once the agent serves, RELOADING=1 around a
// configuration reload, STOPPING=1 on shutdown, STATUS= lines for `systemctl
// status`, and the service watchdog, which is pinged only while the agent is
// healthy so that systemd restarts a stalled agent.
//
// Outside systemd (no NOTIFY_SOCKET in the environment) every method is a
// no-op. The environment is read once, by New, and never modified.
package notify

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coreos/go-systemd/v22/daemon"
	"golang.org/x/sys/unix"
)

// maxStatus bounds a STATUS= text: a notification is one datagram, which
// systemd reads into a buffer of a few KiB.
const maxStatus = 1024

// Notifier sends sd_notify messages to the service manager that started the
// process. It is safe for concurrent use.
type Notifier struct {
	logger   *slog.Logger
	socket   string        // NOTIFY_SOCKET; "" when not under systemd
	watchdog time.Duration // WATCHDOG_USEC for this process; 0 when disabled
	pid      int

	mu     sync.Mutex
	status string // the last STATUS= sent by Ready or Status
}

// New reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from the
// environment (leaving them set). Without NOTIFY_SOCKET the Notifier is
// disabled and its methods do nothing. The watchdog is enabled when
// WATCHDOG_USEC is set and WATCHDOG_PID, if set, is this process; an invalid
// value is logged and disables the watchdog. A nil logger discards.
func New(logger *slog.Logger) *Notifier {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{logger: logger, socket: os.Getenv("NOTIFY_SOCKET"), pid: os.Getpid()}
	if n.socket == "" {
		return n
	}
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		logger.Warn("systemd watchdog disabled: invalid environment", "err", err,
			"WATCHDOG_USEC", os.Getenv("WATCHDOG_USEC"), "WATCHDOG_PID", os.Getenv("WATCHDOG_PID"))
		interval = 0
	}
	n.watchdog = interval
	logger.Debug("systemd notification enabled", "socket", n.socket, "watchdog", interval)
	return n
}

// Enabled reports whether the process runs under a service manager that
// listens for notifications (NOTIFY_SOCKET was set).
func (n *Notifier) Enabled() bool { return n.socket != "" }

// Ready tells systemd that start-up (or a reload) is complete: READY=1, the
// status text, and MAINPID. The agent calls it only once the models are
// loaded and the socket listens.
func (n *Notifier) Ready(status string) error {
	if !n.Enabled() {
		return nil
	}
	msg := daemon.SdNotifyReady
	if status != "" {
		msg += "\nSTATUS=" + n.remember(status)
	}
	msg += "\nMAINPID=" + strconv.Itoa(n.pid)
	return n.send(msg)
}

// Status sets the one-line status `systemctl status` shows. Control
// characters become spaces and a long text is cut.
func (n *Notifier) Status(status string) error {
	if !n.Enabled() {
		return nil
	}
	return n.send("STATUS=" + n.remember(status))
}

// Reloading tells systemd that a configuration reload has begun
// (RELOADING=1 with the CLOCK_MONOTONIC time in µs, which systemd 253's
// Type=notify-reload requires and Type=notify accepts). Ready ends the reload, whether it succeeded or the old
// configuration stays.
func (n *Notifier) Reloading() error {
	if !n.Enabled() {
		return nil
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return fmt.Errorf("notify systemd of reload: read CLOCK_MONOTONIC: %w", err)
	}
	return n.send(daemon.SdNotifyReloading + "\nMONOTONIC_USEC=" + strconv.FormatInt(ts.Nano()/1000, 10))
}

// Stopping tells systemd that the agent is shutting down.
func (n *Notifier) Stopping() error {
	if !n.Enabled() {
		return nil
	}
	return n.send(daemon.SdNotifyStopping)
}

// WatchdogInterval returns the service watchdog's timeout (WatchdogSec=),
// or 0 when the watchdog is disabled.
func (n *Notifier) WatchdogInterval() time.Duration { return n.watchdog }

// remember cleans a status text and keeps it, so that the watchdog can put it
// back after an unhealthy spell.
func (n *Notifier) remember(status string) string {
	s := cleanStatus(status)
	n.mu.Lock()
	n.status = s
	n.mu.Unlock()
	return s
}

// lastStatus is the last status set by Ready or Status.
func (n *Notifier) lastStatus() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.status
}

// send writes one notification datagram.
func (n *Notifier) send(msg string) error {
	sent, err := daemon.SdNotify(false, msg)
	if err != nil {
		return fmt.Errorf("notify systemd (%s) at %q: %w", firstLine(msg), n.socket, err)
	}
	if !sent {
		return fmt.Errorf("notify systemd (%s): NOTIFY_SOCKET was removed from the environment", firstLine(msg))
	}
	return nil
}

// cleanStatus makes a text one line (a newline would start another
// assignment) of at most maxStatus bytes, cut at a character boundary.
func cleanStatus(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) <= maxStatus {
		return s
	}
	cut := maxStatus
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// firstLine is the message's first assignment, for error messages.
func firstLine(msg string) string {
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		return msg[:i]
	}
	return msg
}
