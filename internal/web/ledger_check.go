package web

import (
	"context"
	"time"

	"sanbao/internal/store"
)

// LedgerCheckInterval is how often the server runs the ledger's time-limit
// check. Reading a problem or the accountability list runs it as well, so
// the interval only bounds how late the bulletin's counts of flags can be.
var LedgerCheckInterval = 10 * time.Minute

// RunLedgerChecks puts every problem whose stage time has passed on the
// accountability list (store.CheckOverdue over every region), once at once
// and then every interval, until ctx ends.
func (s *Server) RunLedgerChecks(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := s.DB.CheckOverdue(ctx, store.Everywhere)
		switch {
		case err != nil && ctx.Err() == nil:
			s.Log.Error("ledger time-limit check failed", "err", err)
		case n > 0:
			s.Log.Info("ledger time-limit check", "flagged", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
