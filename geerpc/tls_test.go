package geerpc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/geerpclab/geerpc/geerpc"
)

// testCA makes a CA and a certificate it signs for 127.0.0.1.
func testCA(t *testing.T) (*x509.CertPool, func(cn string) tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	issue := func(cn string) tls.Certificate {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	}
	return pool, issue
}

func TestTLSAndMutualTLS(t *testing.T) {
	pool, issue := testCA(t)
	srv, _ := newFooServer(t, geerpc.ServerOptions{})
	serverCfg := &tls.Config{
		Certificates: []tls.Certificate{issue("server")},
		ClientCAs:    pool, ClientAuth: tls.RequireAndVerifyClientCert,
	}
	addr := "tls@" + serve(t, srv, tls.NewListener(listenTCP(t), serverCfg))
	t.Run("mutual", func(t *testing.T) {
		o := opt("")
		o.TLSConfig = &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{issue("client")}}
		callSum(t, dial(t, addr, o), 3, 4)
	})
	t.Run("client without certificate is refused", func(t *testing.T) {
		o := opt("")
		o.TLSConfig = &tls.Config{RootCAs: pool}
		c, err := geerpc.XDial(addr, o)
		if err == nil {
			defer c.Close()
			err = c.Call(context.Background(), "Foo.Sum", Args{}, new(int))
		}
		if err == nil {
			t.Fatal("a client without a certificate was served")
		}
	})
	t.Run("unknown server is refused", func(t *testing.T) {
		if _, err := geerpc.XDial(addr, opt("")); err == nil {
			t.Fatal("dialled a server whose certificate no root signs")
		}
	})
}
