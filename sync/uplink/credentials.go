package uplink

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
)

// readPassword reads Options.PasswordFile: its first line, without the
// line ending.
func readPassword(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read password file: %w", err) // err names the file
	}
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	}
	data = bytes.TrimSuffix(data, []byte("\r"))
	if len(data) == 0 {
		return "", fmt.Errorf("password file %s: %w", path, errEmptyPassword)
	}
	return string(data), nil
}

var errEmptyPassword = errors.New("empty password")

// tlsConfig builds the TLS configuration from the files, read at each
// connection attempt so that renewed certificates are picked up. It
// returns nil when no broker uses TLS.
func tlsConfig(o Options) (*tls.Config, error) {
	useTLS := false
	for _, b := range o.brokers() {
		if u, err := url.Parse(b); err == nil && tlsScheme(u.Scheme) {
			useTLS = true
		}
	}
	if !useTLS {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err) // err names the file
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", o.CAFile)
		}
		cfg.RootCAs = pool
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load client certificate and key: %w", err) // err names the file
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
