package notify

import (
	"context"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// watchdogState is what RunWatchdog remembers between two checks, so that it
// logs changes rather than every check.
type watchdogState struct {
	unhealthy   bool
	reason      string // the last health error's text
	sendFailing bool
}

// RunWatchdog pings the service watchdog (WATCHDOG=1) at once and then every
// half WatchdogInterval, but only while healthy returns nil (a nil healthy is
// always healthy). While healthy returns an error the ping is withheld, so
// that systemd restarts the agent once WatchdogSec passes without one: the
// change is logged once, and STATUS= says why. When healthy returns nil
// again the pings resume and the last status set by Ready or Status comes
// back. RunWatchdog returns when ctx is done, or at once when the watchdog is
// disabled.
func (n *Notifier) RunWatchdog(ctx context.Context, healthy func() error) {
	if n.watchdog <= 0 {
		return
	}
	period := n.watchdog / 2
	if period <= 0 {
		period = n.watchdog
	}
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	var st watchdogState
	for {
		n.watchdogTick(&st, healthy)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// watchdogTick checks health once and pings, or reports why not.
func (n *Notifier) watchdogTick(st *watchdogState, healthy func() error) {
	var err error
	if healthy != nil {
		err = healthy()
	}
	if err != nil {
		reason := err.Error()
		if st.unhealthy && reason == st.reason {
			return
		}
		if !st.unhealthy {
			n.logger.Warn("unhealthy: withholding the systemd watchdog ping; systemd restarts the agent if this lasts",
				"err", err, "watchdog", n.watchdog)
		} else {
			n.logger.Debug("still unhealthy", "err", err)
		}
		st.unhealthy, st.reason = true, reason
		n.report(st, "STATUS="+cleanStatus("unhealthy, watchdog withheld: "+reason))
		return
	}
	msg := daemon.SdNotifyWatchdog
	if st.unhealthy {
		n.logger.Info("healthy again: systemd watchdog pings resume")
		st.unhealthy, st.reason = false, ""
		if s := n.lastStatus(); s != "" {
			msg += "\nSTATUS=" + s
		}
	}
	n.report(st, msg)
}

// report sends a watchdog-loop message, logging a failure once until a send
// succeeds again.
func (n *Notifier) report(st *watchdogState, msg string) {
	if err := n.send(msg); err != nil {
		if !st.sendFailing {
			n.logger.Warn("systemd watchdog notification failed", "err", err)
		}
		st.sendFailing = true
		return
	}
	if st.sendFailing {
		n.logger.Info("systemd watchdog notifications work again")
	}
	st.sendFailing = false
}
