//go:build !unix

package bench

import "time"

func childrenCPU() time.Duration { return 0 }
