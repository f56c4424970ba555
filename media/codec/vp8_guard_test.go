//go:build linux

package codec

import (
	"fmt"
	"syscall"
	"testing"

	"confer/media"
)

// guarded returns an n-byte slice that ends exactly where an inaccessible
// page begins, so reading one byte past it kills the process.
func guarded(t *testing.T, n int) []byte {
	t.Helper()
	page := syscall.Getpagesize()
	size := (n+page-1)/page*page + page
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[size-page:], syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	return mem[size-page-n : size-page : size-page]
}

// The encoder must read only the visible picture described by the frame,
// also for odd sizes where libvpx works on 16-pixel-aligned macroblocks.
func TestVP8EncodeReadsOnlyInsidePlanes(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{320, 240}, {321, 181}, {17, 9}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			enc := newTestEncoder(t, VP8Config{Width: sz.w, Height: sz.h, BitrateKbps: 300})
			f := &media.VideoFrame{Width: sz.w, Height: sz.h}
			cw, ch := f.ChromaSize()
			f.Y, f.YStride = guarded(t, sz.w*sz.h), sz.w
			f.U, f.UStride = guarded(t, cw*ch), cw
			f.V, f.VStride = guarded(t, cw*ch), cw
			for i := range 5 {
				for j := range f.Y {
					f.Y[j] = byte(i*7 + j)
				}
				if _, _, err := enc.Encode(f, i == 3, nil); err != nil {
					t.Fatalf("Encode: %v", err)
				}
			}
		})
	}
}
