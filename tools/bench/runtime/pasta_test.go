package main

import (
	"errors"
	"strings"
	"testing"
)

func TestIperfRateReadsTheReceiversBytes(t *testing.T) {
	got, err := iperfRate(`{"end": {"sum_received": {"bytes": 4000000000, "seconds": 4, "bits_per_second": 8e9}}}`)
	if err != nil || got != 1000 {
		t.Fatalf("iperfRate = %v, %v; want 1000 MB/s", got, err)
	}
}

func TestIperfRateSaysAStallIsAStall(t *testing.T) {
	_, err := iperfRate(`{"end": {"sum_received": {"bytes": 0, "seconds": 4, "bits_per_second": 0}}}`)
	if !errors.Is(err, errStalled) {
		t.Fatalf("a run that received nothing: err = %v, want errStalled (the run is retried)", err)
	}
}

func TestIperfRateReportsIperfsError(t *testing.T) {
	_, err := iperfRate(`{"end": {}, "error": "unable to connect to server: Connection refused"}`)
	if err == nil || errors.Is(err, errStalled) || !strings.Contains(err.Error(), "Connection refused") {
		t.Fatalf("iperf3's own error: err = %v, want it named and not retried", err)
	}
}
