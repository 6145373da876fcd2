package docstore

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkBatch stores batches of 100 documents of 10 KB (a collector
// batch's kept originals) in a fresh store, where almost every document
// needs a new directory (ab/), and in a warm one where the directories of
// the documents to come already exist. It reports the process's CPU per document: most of it is
// the kernel's (mkdir, fsync, rename).
func BenchmarkBatch(b *testing.B) {
	for _, warm := range []bool{false, true} {
		name := "fresh"
		if warm {
			name = "warm"
		}
		b.Run(name, func(b *testing.B) {
			s, err := New(filepath.Join(b.TempDir(), "docs"))
			if err != nil {
				b.Fatal(err)
			}
			docs := make([][]byte, 100*b.N)
			for i := range docs {
				docs[i] = make([]byte, 10_000)
				copy(docs[i], fmt.Sprintf("document %d", i))
				if warm {
					dir, _, _ := s.path(Sum(docs[i]))
					if _, err := s.makeDirs(dir); err != nil {
						b.Fatal(err)
					}
				}
			}
			// The file system's journal holds the new directories until a
			// sync: flush them now, or the timed fsyncs pay for them.
			syscall.Sync()
			n := 0
			b.ResetTimer()
			cpu0 := cpuTime()
			for range b.N {
				batch := s.NewBatch()
				for range 100 {
					if _, err := batch.Put(docs[n]); err != nil {
						b.Fatal(err)
					}
					n++
				}
				if err := batch.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n), "cpu_µs/doc")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n), "µs/doc")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
