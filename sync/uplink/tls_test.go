package uplink

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edge-agent/edge-agent/internal/mqtttest"
)

// otherCA writes a CA certificate that signed nothing the broker has.
func otherCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "another CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "other-ca.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// connects runs an uplink and checks that it connects and delivers.
func connects(t *testing.T, b *mqtttest.Broker, o Options) {
	t.Helper()
	q := newQueue(t)
	appendN(t, q, "predictions", 10, predPayload)
	u := startUplink(t, q, o)
	waitFor(t, "delivery", func() bool { return u.Stats().RecordsDelivered == 10 })
	if !u.Stats().Connected {
		t.Errorf("not connected: %+v", u.Stats())
	}
}

// keepsFailing runs an uplink that cannot connect: it must keep trying,
// with backoff, and say why.
func keepsFailing(t *testing.T, o Options, why ...string) {
	t.Helper()
	q := newQueue(t)
	u := startUplink(t, q, o)
	waitFor(t, "4 attempts", func() bool { return u.Stats().ConnectAttempts >= 4 })
	s := u.Stats()
	if s.Connects != 0 || s.Connected {
		t.Fatalf("connected: %+v", s)
	}
	for _, w := range why {
		if !strings.Contains(s.LastError, w) {
			t.Errorf("last error %q does not say %q", s.LastError, w)
		}
	}
	t.Logf("error: %s", s.LastError)
}

func TestTLS(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{TLS: true})
	t.Run("ok", func(t *testing.T) {
		o := testOptions(t, b.URL)
		o.CAFile = b.CAFile
		connects(t, b, o)
	})
	t.Run("wrong CA", func(t *testing.T) {
		o := testOptions(t, b.URL)
		o.CAFile = otherCA(t)
		keepsFailing(t, o, "certificate")
	})
	t.Run("system roots", func(t *testing.T) {
		keepsFailing(t, testOptions(t, b.URL), "certificate")
	})
	t.Run("missing CA file", func(t *testing.T) {
		o := testOptions(t, b.URL)
		o.CAFile = filepath.Join(t.TempDir(), "nope.pem")
		keepsFailing(t, o, "nope.pem")
	})
	t.Run("plain TCP to a TLS port", func(t *testing.T) {
		keepsFailing(t, testOptions(t, strings.Replace(b.URL, "ssl://", "tcp://", 1)))
	})
}

func TestMutualTLS(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{TLS: true, ClientCerts: true})
	t.Run("ok", func(t *testing.T) {
		o := testOptions(t, b.URL)
		o.CAFile, o.CertFile, o.KeyFile = b.CAFile, b.ClientCertFile, b.ClientKeyFile
		connects(t, b, o)
	})
	t.Run("no client certificate", func(t *testing.T) {
		o := testOptions(t, b.URL)
		o.CAFile = b.CAFile
		keepsFailing(t, o)
	})
	t.Run("missing key file", func(t *testing.T) {
		o := testOptions(t, b.URL)
		o.CAFile, o.CertFile, o.KeyFile = b.CAFile, b.ClientCertFile, filepath.Join(t.TempDir(), "client-key.pem")
		keepsFailing(t, o, "client-key.pem")
	})
}

func TestPasswordFile(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{Users: map[string]string{"dev": "s3cret"}})
	t.Run("ok", func(t *testing.T) {
		o := testOptions(t, b.URL)
		o.Username, o.PasswordFile = "dev", writeFile(t, "pw", "s3cret\n")
		connects(t, b, o)
	})
	t.Run("wrong password", func(t *testing.T) {
		o := testOptions(t, b.URL)
		o.Username, o.PasswordFile = "dev", writeFile(t, "pw", "guess\n")
		keepsFailing(t, o, "connect to "+b.URL, "refused the device's credentials")
	})
	t.Run("no credentials", func(t *testing.T) {
		keepsFailing(t, testOptions(t, b.URL), "refused the device's credentials")
	})
	t.Run("missing file", func(t *testing.T) {
		o := testOptions(t, b.URL)
		o.Username, o.PasswordFile = "dev", filepath.Join(t.TempDir(), "password")
		keepsFailing(t, o, "password file", "/password", "no such file")
	})
	t.Run("empty file", func(t *testing.T) {
		o := testOptions(t, b.URL)
		o.Username, o.PasswordFile = "dev", writeFile(t, "pw", "\n")
		keepsFailing(t, o, "empty password")
	})
	t.Run("file appears later", func(t *testing.T) {
		o := testOptions(t, b.URL)
		o.Username, o.PasswordFile = "dev", filepath.Join(t.TempDir(), "pw")
		q := newQueue(t)
		u := startUplink(t, q, o)
		waitFor(t, "2 attempts", func() bool { return u.Stats().ConnectAttempts >= 2 })
		if err := os.WriteFile(o.PasswordFile, []byte("s3cret"), 0o600); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "a connection", func() bool { return u.Stats().Connected })
	})
}
