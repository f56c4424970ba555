package netlab

import (
	"context"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// transfer sends TCP data as fast as it goes for d through the lab, in dir,
// and returns what arrived, in kbit/s.
func transfer(t *testing.T, l *Lab, dir Direction, d time.Duration) float64 {
	t.Helper()
	var ln net.Listener
	var err error
	var dial func() (net.Conn, error)
	if dir == Uplink { // the namespace sends to the host
		ln, err = net.Listen("tcp", l.HostIP+":0")
		dial = func() (net.Conn, error) { return l.Dial(context.Background(), "tcp", ln.Addr().String()) }
	} else {
		ln, err = l.Listen("tcp", l.FarIP+":0")
		dial = func() (net.Conn, error) { return net.Dial("tcp", ln.Addr().String()) }
	}
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan int64, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- 0
			return
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(d))
		n, _ := io.Copy(io.Discard, c)
		got <- n
	}()
	c, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetWriteDeadline(time.Now().Add(d))
	buf := make([]byte, 32<<10)
	for {
		if _, err := c.Write(buf); err != nil {
			break
		}
	}
	c.Close()
	return float64(<-got) * 8 / 1000 / d.Seconds()
}

// datagrams sends n small UDP datagrams in dir, paced so no socket buffer
// overflows, and returns the share that arrived.
func datagrams(t *testing.T, l *Lab, dir Direction, n int) float64 {
	t.Helper()
	var recv, send net.PacketConn
	var err error
	if dir == Uplink {
		recv, err = net.ListenPacket("udp", l.HostIP+":0")
		if err == nil {
			send, err = l.ListenPacket("udp", l.FarIP+":0")
		}
	} else {
		recv, err = l.ListenPacket("udp", l.FarIP+":0")
		if err == nil {
			send, err = net.ListenPacket("udp", l.HostIP+":0")
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	defer send.Close()
	got := make(chan int, 1)
	go func() {
		buf := make([]byte, 2048)
		count := 0
		_ = recv.SetReadDeadline(time.Now().Add(5 * time.Second))
		for count < n {
			if _, _, err := recv.ReadFrom(buf); err != nil {
				break
			}
			count++
		}
		got <- count
	}()
	msg := make([]byte, 200)
	for i := 0; i < n; i++ {
		if _, err := send.WriteTo(msg, recv.LocalAddr()); err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
		if i%20 == 19 {
			time.Sleep(time.Millisecond)
		}
	}
	time.Sleep(300 * time.Millisecond)
	_ = recv.SetReadDeadline(time.Now()) // what is not in by now is lost
	return float64(<-got) / float64(n)
}

func TestCapsLimitOneDirection(t *testing.T) {
	l := ForTest(t, "caps")
	const d = 3 * time.Second
	free := transfer(t, l, Uplink, time.Second)
	t.Logf("uncapped uplink: %.0f kbit/s", free)
	const cap = 2000
	if free < 10*cap {
		t.Fatalf("uncapped uplink carries only %.0f kbit/s", free)
	}
	for _, dir := range []Direction{Uplink, Downlink} {
		if err := l.SetCap(dir, cap); err != nil {
			t.Fatal(err)
		}
		capped := transfer(t, l, dir, d)
		other := transfer(t, l, 1-dir, time.Second)
		st, err := l.CapStats(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%v capped at %d kbit/s: %.0f kbit/s through, the other way %.0f kbit/s; qdisc %+v", dir, cap, capped, other, st)
		// Above the cap is a failure; well below it is TCP idling through a
		// retransmission timeout after the queue's tail drops, which a short
		// window can catch.
		if capped < 0.3*cap || capped > 1.2*cap {
			t.Errorf("%v capped at %d kbit/s carried %.0f kbit/s", dir, cap, capped)
		}
		if other < 5*cap {
			t.Errorf("the cap on the %v slowed the %v to %.0f kbit/s", dir, 1-dir, other)
		}
		if st.SentBytes < int64(capped*1000/8*d.Seconds()/2) || st.Dropped == 0 {
			t.Errorf("qdisc counters %+v do not show the transfer filling the queue", st)
		}
		if err := l.SetCap(dir, 0); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLossSlowsTCPAndDropsOneDirection(t *testing.T) {
	l := ForTest(t, "loss")
	free := transfer(t, l, Uplink, time.Second)
	if err := l.SetLoss(Uplink, 0.2); err != nil {
		t.Fatal(err)
	}
	lossy := transfer(t, l, Uplink, 2*time.Second)
	t.Logf("uplink TCP: %.0f kbit/s without loss, %.0f kbit/s with 20 %% loss", free, lossy)
	if lossy > free/4 {
		t.Errorf("20 %% loss left TCP at %.0f of %.0f kbit/s", lossy, free)
	}

	if err := l.SetLoss(Uplink, 0.3); err != nil { // replaces the 20 %
		t.Fatal(err)
	}
	up := datagrams(t, l, Uplink, 2000)
	down := datagrams(t, l, Downlink, 2000)
	dropped, err := l.Dropped(Uplink)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("30 %% uplink loss: %.3f of datagrams up arrived, %.3f down; rule dropped %d", up, down, dropped)
	if up < 0.6 || up > 0.8 {
		t.Errorf("with 30 %% uplink loss %.3f of datagrams arrived", up)
	}
	if down < 0.99 {
		t.Errorf("uplink loss also dropped the downlink: %.3f arrived", down)
	}
	if dropped < 400 || dropped > 800 {
		t.Errorf("the loss rule counts %d drops of 2000", dropped)
	}

	if err := l.SetLoss(Uplink, 0); err != nil {
		t.Fatal(err)
	}
	if err := l.SetLoss(Downlink, 0.3); err != nil {
		t.Fatal(err)
	}
	up, down = datagrams(t, l, Uplink, 2000), datagrams(t, l, Downlink, 2000)
	t.Logf("30 %% downlink loss: %.3f up, %.3f down", up, down)
	if down < 0.6 || down > 0.8 || up < 0.99 {
		t.Errorf("30 %% downlink loss: %.3f arrived up, %.3f down", up, down)
	}
	if err := l.SetLoss(Downlink, 1); err == nil {
		t.Error("a loss of 1 was accepted")
	}
}

func TestLinkDownStopsEverything(t *testing.T) {
	l := ForTest(t, "link")
	ln, err := net.Listen("tcp", l.HostIP+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := l.WaitReachable(ln.Addr().String(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := l.SetLink(false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if c, err := l.Dial(ctx, "tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Fatal("connected with the link down")
	}
	if err := l.SetLink(true); err != nil {
		t.Fatal(err)
	}
	if err := l.WaitReachable(ln.Addr().String(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestBlockTCPLetsUDPThrough(t *testing.T) {
	l := ForTest(t, "block")
	ln, err := net.Listen("tcp", l.HostIP+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if err := l.BlockTCP(port); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if c, err := l.Dial(ctx, "tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Fatal("connected to a blocked port")
	}
	if n, err := l.Blocked(); err != nil || n == 0 {
		t.Errorf("blocked packets: %d, %v", n, err)
	}
	if got := datagrams(t, l, Uplink, 200); got < 0.99 {
		t.Errorf("UDP through a TCP block: %.3f arrived", got)
	}
	if err := l.Clear(); err != nil {
		t.Fatal(err)
	}
	if err := l.WaitReachable(ln.Addr().String(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestLabsAreSeparateAndCloseRemovesEverything(t *testing.T) {
	a, b := ForTest(t, "a"), ForTest(t, "b")
	if a.Namespace == b.Namespace || a.HostIf == b.HostIf || a.HostIP == b.HostIP {
		t.Fatalf("two labs share names or addresses: %v, %v", a, b)
	}
	for _, l := range []*Lab{a, b} {
		if !strings.HasPrefix(l.HostIP, "10.213.") {
			t.Fatalf("%v is outside 10.213.0.0/16", l)
		}
		out, err := l.Command("cat", "/sys/class/net/"+l.FarIf+"/mtu").Output()
		if err != nil || strings.TrimSpace(string(out)) != "1500" {
			t.Errorf("%v: MTU %q, %v", l, out, err)
		}
	}
	if err := a.SetLoss(Uplink, 0.1); err != nil {
		t.Fatal(err)
	}
	if err := a.SetCap(Downlink, 600); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if namespaceExists(a.Namespace) || linkExists(a.HostIf) {
		t.Errorf("%v is still there after Close", a)
	}
	rules, _ := exec.Command("iptables", "-w", "-S", "INPUT").Output()
	if strings.Contains(string(rules), a.tag+":") {
		t.Errorf("a's rules are still in the root namespace:\n%s", rules)
	}
	if err := a.SetLoss(Uplink, 0.1); err == nil {
		t.Error("SetLoss on a closed lab succeeded")
	}
	if !namespaceExists(b.Namespace) {
		t.Error("closing a removed b")
	}
}

func TestNewSweepsLabsOfDeadProcesses(t *testing.T) {
	if err := checkTools(); err != nil {
		t.Skipf("skipped: %v", err)
	}
	// 999999999 is above Linux's largest process ID: no such process.
	stale := nsPrefix + "999999999-1-stale"
	if err := run("ip", "netns", "add", stale); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run("ip", "netns", "del", stale) })
	ForTest(t, "sweeper")
	if namespaceExists(stale) {
		t.Errorf("%s was left behind", stale)
	}
}

func TestParseCapStats(t *testing.T) {
	out := `[{"kind":"tbf","handle":"8001:","root":true,"refcnt":3,"options":{"rate":75000,"burst":3028,"lat":250001},` +
		`"bytes":123456,"packets":321,"drops":17,"overlimits":40,"requeues":0,"backlog":9084,"qlen":6}]`
	st, err := parseCapStats([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := CapStats{SentBytes: 123456, SentPackets: 321, Dropped: 17, BacklogBytes: 9084, Backlog: 6}
	if st != want {
		t.Errorf("got %+v, want %+v", st, want)
	}
	if _, err := parseCapStats([]byte(`[{"kind":"noqueue"}]`)); err == nil {
		t.Error("no tbf: no error")
	}
}

func TestRuleCounter(t *testing.T) {
	out := "-P INPUT ACCEPT -c 0 0\n" +
		`-A INPUT -i nl1h1 -m statistic --mode random --probability 0.10000000009 -m comment --comment "netlab:1:1:loss-uplink" -c 42 4200 -j DROP` + "\n"
	if n, err := ruleCounter(out, "netlab:1:1:loss-uplink"); err != nil || n != 42 {
		t.Errorf("got %d, %v", n, err)
	}
	if _, err := ruleCounter(out, "netlab:1:2:loss-uplink"); err == nil {
		t.Error("another lab's rule counted")
	}
}

func TestCapQueueIsAFewHundredMilliseconds(t *testing.T) {
	q := CapQueueBytes(600)
	ms := float64(q) / (600 * 1000 / 8) * 1000
	if ms < 200 || ms > 320 {
		t.Errorf("a 600 kbit/s cap queues %d bytes, %.0f ms", q, ms)
	}
}

// capRun makes one sample a second from per-second sent bytes, drops and
// backlogs.
func capRun(sent []int64, drops []int64, backlog []int64) []CapSample {
	t0 := time.Unix(1000, 0)
	out := []CapSample{{At: t0}}
	var total, dropped int64
	for i := range sent {
		total += sent[i]
		dropped += drops[i]
		out = append(out, CapSample{At: t0.Add(time.Duration(i+1) * time.Second),
			CapStats: CapStats{SentBytes: total, Dropped: dropped, BacklogBytes: backlog[i]}})
	}
	return out
}

func TestFitUnderCap(t *testing.T) {
	const kbps = 600 // 75 kB a second; media from 18.75 kB; half the queue ≈ 10.9 kB
	full := int64(75000)
	// Signalling, then media overshooting for 3 s, then fitting for 4.
	f := FitUnderCap(capRun(
		[]int64{2000, full, full, full, 60000, 60000, 60000, 60000},
		[]int64{0, 40, 30, 5, 0, 0, 0, 0},
		[]int64{0, 20000, 20000, 15000, 2000, 0, 3000, 0}), kbps)
	if f.MediaStart != 2 || f.Settled != 5 || f.FitsAfter != 3*time.Second || f.DroppedAfter != 0 || f.MaxBacklogAfter != 3000 {
		t.Errorf("settling run: %+v", f)
	}
	// Still dropping in the last seconds.
	f = FitUnderCap(capRun(
		[]int64{full, full, full, full, full},
		[]int64{10, 0, 0, 0, 3},
		[]int64{20000, 1000, 1000, 1000, 20000}), kbps)
	if f.MediaStart != 1 || f.Settled != -1 || f.DroppedAfter != 3 || f.MaxBacklogAfter != 20000 {
		t.Errorf("never settling: %+v", f)
	}
	// A passing burst (a probe) is not a standing queue; two full seconds are.
	f = FitUnderCap(capRun(
		[]int64{full, 50000, 50000, 70000, 50000, 70000, 70000, 50000, 50000, 50000},
		[]int64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		[]int64{0, 0, 0, 16000, 0, 16000, 16000, 0, 0, 0}), kbps)
	if f.Settled != 8 || f.FitsAfter != 7*time.Second || f.MaxBacklogAfter != 0 {
		t.Errorf("a burst, then a standing queue: %+v", f)
	}
	// A lone second with one drop (a keyframe's burst) after the sender
	// fitted does not undo the fit; one with many does.
	burst := func(drops int64) CapFit {
		return FitUnderCap(capRun(
			[]int64{full, full, 50000, 50000, 50000, 70000, 50000, 50000, 50000},
			[]int64{30, 20, 0, 0, 0, drops, 0, 0, 0},
			[]int64{20000, 20000, 0, 0, 0, 19000, 9000, 0, 0}), kbps)
	}
	if f := burst(1); f.Settled != 3 || f.FitsAfter != 2*time.Second || f.DroppedAfter != 1 {
		t.Errorf("a lone burst: %+v", f)
	}
	if f := burst(12); f.Settled != 7 {
		t.Errorf("a second with many drops: %+v", f)
	}
	// A sender that never overshoots.
	f = FitUnderCap(capRun([]int64{1000, 50000, 50000, 50000}, []int64{0, 0, 0, 0}, []int64{0, 0, 0, 0}), kbps)
	if f.MediaStart != 2 || f.Settled != 2 || f.FitsAfter != 0 {
		t.Errorf("fitting from the start: %+v", f)
	}
	if f := FitUnderCap(capRun([]int64{100, 200}, []int64{0, 0}, []int64{0, 0}), kbps); f.MediaStart != -1 {
		t.Errorf("signalling only: %+v", f)
	}
}
