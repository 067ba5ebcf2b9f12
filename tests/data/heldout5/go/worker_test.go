package worker

import (
	"sync"
	"testing"
)

// Run with: go test -race ./...
func TestNoDataRace(t *testing.T) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	count := 0
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); mu.Lock(); count++; mu.Unlock() }()
	}
	wg.Wait()
	if count != 100 {
		t.Fatalf("race condition: got %d", count)
	}
}
