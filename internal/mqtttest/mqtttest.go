// Package mqtttest runs an MQTT broker for tests: Debian's mosquitto on a
// free loopback port, started as a real process that tests can kill and
// restart. Only where mosquitto is missing and CI is unset does it fall back
// to an in-process broker (mochi-mqtt), which cannot be killed or serve TLS.
package mqtttest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// Options configure a broker.
type Options struct {
	// TLS serves MQTT over TLS with a certificate from a test CA.
	TLS bool
	// ClientCerts requires client certificates signed by the test CA (mTLS).
	ClientCerts bool
	// Users, when not empty, requires these username/password pairs.
	Users map[string]string
}

// Broker is a running test broker.
type Broker struct {
	// URL is the broker address for paho: tcp://127.0.0.1:PORT or ssl://...
	URL  string
	Port int
	// Certificates for TLS brokers (PEM files in Dir): the CA, and a client
	// certificate and key signed by it.
	CAFile, ClientCertFile, ClientKeyFile string
	// Dir holds the broker's configuration and log.
	Dir string

	t      testing.TB
	opts   Options
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been waited for
	mochi  *mochi.Server
	log    *os.File
}

// Mosquitto returns the mosquitto binary's path, or "" when not installed.
func Mosquitto() string {
	for _, p := range []string{"/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("mosquitto"); err == nil {
		return p
	}
	return ""
}

// Start runs a broker for the test and stops it at cleanup. It uses
// mosquitto; without it, it fails under CI=true and otherwise falls back to
// an in-process broker (tests that need a real process call RequireProcess).
func Start(t testing.TB, opts ...Options) *Broker {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	b := &Broker{t: t, opts: o, Dir: t.TempDir(), Port: freePort(t)}
	if Mosquitto() == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("mosquitto is not installed (apt-get install -y mosquitto): required under CI")
		}
		if o.TLS || len(o.Users) > 0 {
			t.Skip("mosquitto is not installed; the in-process broker does not serve TLS or passwords")
		}
		b.startMochi()
	} else {
		if o.TLS {
			b.writeCerts()
		}
		b.writeConfig()
		b.startMosquitto()
	}
	t.Cleanup(b.Stop)
	return b
}

// RequireProcess skips (or, under CI, fails) a test that must kill the
// broker process when the broker is the in-process fallback.
func (b *Broker) RequireProcess() {
	b.t.Helper()
	if b.mochi != nil {
		b.t.Skip("mosquitto is not installed: this test kills the broker process")
	}
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (b *Broker) writeConfig() {
	var c strings.Builder
	fmt.Fprintf(&c, "listener %d 127.0.0.1\n", b.Port)
	c.WriteString("persistence false\nmax_queued_messages 1000000\nmax_inflight_messages 0\n")
	c.WriteString("log_dest stdout\nlog_type error\nlog_type warning\nlog_type notice\n")
	if os.Geteuid() == 0 {
		// Started as root, mosquitto drops to the mosquitto user, which
		// cannot read the test's private temporary folder.
		c.WriteString("user root\n")
	}
	if len(b.opts.Users) > 0 {
		pw := filepath.Join(b.Dir, "passwd")
		if err := os.WriteFile(pw, nil, 0o600); err != nil {
			b.t.Fatal(err)
		}
		for u, p := range b.opts.Users {
			out, err := exec.Command("mosquitto_passwd", "-b", pw, u, p).CombinedOutput()
			if err != nil {
				b.t.Fatalf("mosquitto_passwd: %v: %s", err, out)
			}
		}
		fmt.Fprintf(&c, "allow_anonymous false\npassword_file %s\n", pw)
	} else {
		c.WriteString("allow_anonymous true\n")
	}
	if b.opts.TLS {
		fmt.Fprintf(&c, "cafile %s\ncertfile %s\nkeyfile %s\n", b.CAFile,
			filepath.Join(b.Dir, "server.pem"), filepath.Join(b.Dir, "server-key.pem"))
		if b.opts.ClientCerts {
			c.WriteString("require_certificate true\nuse_identity_as_username false\n")
		}
	}
	if err := os.WriteFile(filepath.Join(b.Dir, "mosquitto.conf"), []byte(c.String()), 0o644); err != nil {
		b.t.Fatal(err)
	}
	scheme := "tcp"
	if b.opts.TLS {
		scheme = "ssl"
	}
	b.URL = fmt.Sprintf("%s://127.0.0.1:%d", scheme, b.Port)
}

func (b *Broker) startMosquitto() {
	b.t.Helper()
	log, err := os.OpenFile(filepath.Join(b.Dir, "mosquitto.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		b.t.Fatal(err)
	}
	b.log = log
	cmd := exec.Command(Mosquitto(), "-c", filepath.Join(b.Dir, "mosquitto.conf"))
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		b.t.Fatalf("start mosquitto: %v", err)
	}
	b.cmd = cmd
	exited := make(chan struct{})
	b.exited = exited
	go func() {
		cmd.Wait()
		close(exited)
	}()
	b.waitListening()
}

func (b *Broker) waitListening() {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(b.Port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	logText, _ := os.ReadFile(filepath.Join(b.Dir, "mosquitto.log"))
	b.t.Fatalf("broker did not listen on port %d: %s", b.Port, bytes.TrimSpace(logText))
}

func (b *Broker) startMochi() {
	b.t.Helper()
	s := mochi.New(&mochi.Options{InlineClient: true, Logger: slog.New(slog.DiscardHandler)})
	if err := s.AddHook(new(auth.AllowHook), nil); err != nil {
		b.t.Fatal(err)
	}
	l := listeners.NewTCP(listeners.Config{ID: "t", Address: "127.0.0.1:" + strconv.Itoa(b.Port)})
	if err := s.AddListener(l); err != nil {
		b.t.Fatal(err)
	}
	go s.Serve()
	b.mochi = s
	b.URL = fmt.Sprintf("tcp://127.0.0.1:%d", b.Port)
	b.waitListening()
}

// Kill stops the broker abruptly (SIGKILL): connected clients see their
// connection drop. Restart brings it back on the same port.
func (b *Broker) Kill() {
	b.t.Helper()
	b.RequireProcess()
	if b.cmd != nil && b.cmd.Process != nil {
		b.cmd.Process.Signal(syscall.SIGKILL)
		<-b.exited
		// Wait until the port is free again.
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(b.Port), 100*time.Millisecond)
			if err != nil {
				break
			}
			c.Close()
			time.Sleep(20 * time.Millisecond)
		}
		b.cmd = nil
	}
}

// Restart starts a killed broker again on the same port.
func (b *Broker) Restart() {
	b.t.Helper()
	b.RequireProcess()
	if b.cmd == nil {
		b.startMosquitto()
	}
}

// Stop shuts the broker down.
func (b *Broker) Stop() {
	if b.cmd != nil && b.cmd.Process != nil {
		b.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-b.exited:
		case <-time.After(time.Second):
			b.cmd.Process.Signal(syscall.SIGKILL)
			<-b.exited
		}
		b.cmd = nil
	}
	if b.mochi != nil {
		b.mochi.Close()
		b.mochi = nil
	}
	if b.log != nil {
		b.log.Close()
		b.log = nil
	}
}

// Log returns what the broker logged so far (mosquitto only).
func (b *Broker) Log() string {
	data, _ := os.ReadFile(filepath.Join(b.Dir, "mosquitto.log"))
	return string(data)
}

// writeCerts makes a CA, a server certificate for 127.0.0.1 and a client
// certificate, as PEM files in Dir.
func (b *Broker) writeCerts() {
	b.t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.t.Fatal(err)
	}
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "edge-agent test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		b.t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	b.CAFile = b.writePEM("ca.pem", "CERTIFICATE", caDER)
	issue := func(name string, serial int64, server bool) (string, string) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			b.t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
		if server {
			tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
			tmpl.DNSNames = []string{"localhost"}
		} else {
			tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			b.t.Fatal(err)
		}
		kb, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			b.t.Fatal(err)
		}
		return b.writePEM(name+".pem", "CERTIFICATE", der), b.writePEM(name+"-key.pem", "EC PRIVATE KEY", kb)
	}
	issue("server", 2, true)
	b.ClientCertFile, b.ClientKeyFile = issue("client", 3, false)
}

func (b *Broker) writePEM(name, typ string, der []byte) string {
	p := filepath.Join(b.Dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		b.t.Fatal(err)
	}
	return p
}

// WaitFor polls cond until it holds or the timeout passes; it reports
// whether it held. Tests use it for events that happen in the background.
func WaitFor(ctx context.Context, timeout time.Duration, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		if cond() {
			return true
		}
		select {
		case <-ctx.Done():
			return cond()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
