package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/livekit/protocol/auth"

	"confer/app"
	"confer/app/livekit"
	"confer/internal/testenv"
	"confer/media"
	"confer/media/capture"
)

// interopDir holds the page and its driver; setup.sh installs livekit-client
// and playwright-core there.
const interopDir = "scripts/e2ee-interop"

// Confer and livekit-client's own end-to-end encryption, in headless
// Chromium, share a room: with the same passphrase each shows the other's
// video; with another passphrase neither shows anything and both say why.
func TestE2EEInteropsWithLivekitClient(t *testing.T) {
	chromium := readyInterop(t, interopDir, "E2EE")
	livekit.SetLibraryLogger(testenv.QuietLog())
	srv := testenv.StartServer(t)
	pageURL := servePage(t)
	const pass = "correct horse battery staple"
	t.Run("same passphrase", func(t *testing.T) {
		interop(t, interopRun{server: srv.URL(), page: pageURL, chromium: chromium, room: "interop-same", ours: pass, theirs: pass})
	})
	t.Run("different passphrase", func(t *testing.T) {
		interop(t, interopRun{server: srv.URL(), page: pageURL, chromium: chromium, room: "interop-other", ours: pass, theirs: "another passphrase"})
	})
}

type interopRun struct {
	server, page, chromium, room string
	ours, theirs                 string
}

func interop(t *testing.T, r interopRun) {
	confer := joinConfer(t, r)
	defer confer.close()
	page := openPage(t, r)
	defer page.close()

	if st := page.expect(t, "joined"); st.Published != 1 {
		t.Fatalf("the page published with encryption %d, want 1 (GCM)", st.Published)
	}
	if r.ours == r.theirs {
		page.send(t, "frames confer 30", "frames")
		confer.await(t, "the page's video decrypted", func() bool {
			return confer.states[app.SourceCamera] == app.EncryptionOK && confer.pictures() >= 30
		})
		st := page.send(t, "state", "state")
		t.Logf("the page painted %d frames of Confer's (%d×%d); Confer decoded %d of the page's",
			st.Videos["confer"].Presented, st.Videos["confer"].Width, st.Videos["confer"].Height, confer.pictures())
		return
	}
	page.send(t, "errors confer 1", "errors")
	confer.await(t, "the page's video refused", func() bool { return confer.states[app.SourceCamera] == app.EncryptionFailed })
	st := page.send(t, "state", "state")
	if n := st.Videos["confer"].Presented; n != 0 || confer.pictures() != 0 {
		t.Fatalf("with different passphrases the page painted %d frames of Confer's, Confer decoded %d of the page's; want none", n, confer.pictures())
	}
	t.Logf("livekit-client reported %d encryption errors for Confer; Confer refused the page's video (%v)", st.Errors["confer"], confer.states)
}

// servePage serves the interop page on loopback until the test ends.
func servePage(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.FileServer(http.Dir(interopDir)), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return "http://" + ln.Addr().String() + "/index.html"
}

// conferPeer is Confer's side: a call with the synthetic camera and
// microphone that counts the pictures it decodes of the page.
type conferPeer struct {
	call   *app.Call
	mu     sync.Mutex
	frames int
	wake   chan struct{}
	states map[app.Source]app.Encryption // the page's tracks, as reported
}

func joinConfer(t *testing.T, r interopRun) *conferPeer {
	t.Helper()
	devices := capture.AddFakePair("interop-" + r.room)
	p := &conferPeer{wake: make(chan struct{}, 1), states: map[app.Source]app.Encryption{}}
	p.call = app.New(livekit.New(app.TransportConfig{
		Log: testenv.QuietLog(), CameraID: devices.CameraID, MicrophoneID: devices.MicrophoneID,
		Video:     media.VideoProfile{Width: 320, Height: 240, FPS: 30, BitrateKbps: 400},
		E2EE:      app.NewE2EE(r.ours),
		VideoSink: func(string, app.Source) media.FrameSink { return media.FrameSinkFunc(p.frame) },
	}), app.WithLogger(testenv.QuietLog()))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := p.call.Join(ctx, app.JoinParams{ServerURL: r.server, RoomID: r.room, UserID: "confer", Name: "Confer",
		APIKey: testenv.Keys.APIKey, APISecret: testenv.Keys.APISecret, Camera: true, Microphone: true})
	if err != nil {
		p.call.Close()
		t.Fatalf("Confer joins: %v", err)
	}
	return p
}

func (p *conferPeer) frame(*media.VideoFrame) {
	p.mu.Lock()
	p.frames++
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *conferPeer) pictures() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frames
}

// await reads the call's events, and wakes at each picture, until cond.
func (p *conferPeer) await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for !cond() {
		select {
		case ev := <-p.call.Events():
			if e, ok := ev.(app.RemoteEncryption); ok && e.UserID == "browser" {
				p.states[e.Source] = e.State
			}
		case <-p.wake:
		case <-timeout:
			t.Fatalf("Confer: %s not within 20 s (%d pictures, states %v)", what, p.pictures(), p.states)
		}
	}
}

func (p *conferPeer) close() {
	go func() {
		for range p.call.Events() {
		}
	}()
	p.call.Close()
}

// pageState is what page.js's interopState returns.
type pageState struct {
	Videos map[string]struct {
		Presented, Width, Height int
	} `json:"videos"`
	Errors    map[string]int `json:"errors"`
	Published int            `json:"published"`
}

// page is run.mjs driving Chromium.
type page struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

func openPage(t *testing.T, r interopRun) *page {
	t.Helper()
	at := auth.NewAccessToken(testenv.Keys.APIKey, testenv.Keys.APISecret)
	at.SetVideoGrant(&auth.VideoGrant{RoomJoin: true, Room: r.room}).SetIdentity("browser").SetValidFor(time.Hour)
	token, err := at.ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(interopDir, "run.mjs"), r.page, r.server, token)
	cmd.Env = append(os.Environ(), "E2EE_PASSPHRASE="+r.theirs, "CHROMIUM="+r.chromium,
		"XDG_CONFIG_HOME="+t.TempDir()) // Chromium's profile and crash database
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &page{cmd: cmd, stdin: stdin, lines: make(chan string, 16)}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	return p
}

// send gives run.mjs a command and returns the page's state from its
// answer, which must be the event want.
func (p *page) send(t *testing.T, cmd, want string) pageState {
	t.Helper()
	if _, err := fmt.Fprintln(p.stdin, cmd); err != nil {
		t.Fatalf("run.mjs: %v", err)
	}
	return p.expect(t, want)
}

func (p *page) expect(t *testing.T, want string) pageState {
	t.Helper()
	select {
	case line, ok := <-p.lines:
		if !ok {
			t.Fatalf("run.mjs ended before %q", want)
		}
		var msg struct {
			Event string    `json:"event"`
			State pageState `json:"state"`
		}
		if err := json.Unmarshal([]byte(line), &msg); err != nil || msg.Event != want {
			t.Fatalf("run.mjs said %s, want the event %q", line, want)
		}
		return msg.State
	case <-time.After(60 * time.Second):
		t.Fatalf("run.mjs: no %q within 60 s", want)
	}
	return pageState{}
}

// close lets run.mjs close Chromium, and kills it if it does not.
func (p *page) close() {
	_, _ = io.WriteString(p.stdin, "quit\n")
	_ = p.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}
