package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"confer/app"
	"confer/ui/widgets"
)

// lockIcon is Material Design's "lock" (Apache 2.0, the set Fyne's own
// icons come from), themed to follow the foreground colour.
var lockIcon = theme.NewThemedResource(fyne.NewStaticResource("lock.svg", []byte(
	`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#000000" d="M18 8h-1V6c0-2.76-2.24-5-5-5S7 3.24 7 6v2H6c-1.1 0-2 .9-2 2v10c0 1.1.9 2 2 2h12c1.1 0 2-.9 2-2V10c0-1.1-.9-2-2-2zm-6 9c-1.1 0-2-.9-2-2s.9-2 2-2 2 .9 2 2-.9 2-2 2zm3.1-9H8.9V6c0-1.71 1.39-3.1 3.1-3.1 1.71 0 3.1 1.39 3.1 3.1v2z"/></svg>`)))

// What tiles and the banner say about end-to-end encryption.
const (
	msgCantDecrypt   = "Can't decrypt — different passphrase?"
	msgNoPassphrase  = "End-to-end encrypted — you joined without the passphrase"
	msgNoKey         = "Can't decrypt — their key is unknown"
	msgNotEncrypted  = "not encrypted"
	msgLockedOutCall = "This call is end-to-end encrypted and you joined without its passphrase, so you can't " +
		"see or hear those who encrypt. Leave, type the passphrase under \"End-to-end encryption\" and join again."
)

// e2eeView is the call screen's part about end-to-end encryption: a lock
// on the toolbar while the call is encrypted, the invite that carries the
// passphrase, a banner for someone who joined an encrypted call without
// it, and what each remote tile says (UI goroutine only).
type e2eeView struct {
	encrypted bool
	lock      *fyne.Container
	invite    *widget.Button
	banner    *widget.Label
	// states of each remote's tracks, as the call last reported them.
	states map[string]map[app.Source]app.Encryption
}

func newE2EEView(copyInvite func()) *e2eeView {
	e := &e2eeView{states: map[string]map[app.Source]app.Encryption{}}
	e.lock = container.NewHBox(widget.NewIcon(lockIcon), widget.NewLabel("End-to-end encrypted"))
	e.lock.Hide()
	e.invite = widget.NewButtonWithIcon("Copy invite with passphrase", lockIcon, copyInvite)
	e.invite.Hide()
	e.banner = widget.NewLabel(msgLockedOutCall)
	e.banner.Wrapping = fyne.TextWrapWord
	e.banner.Alignment = fyne.TextAlignCenter
	e.banner.Importance = widget.WarningImportance
	e.banner.Hide()
	return e
}

// setEncrypted shows the lock (and the invite with the passphrase, when
// there is one to copy).
func (e *e2eeView) setEncrypted(on bool) {
	e.encrypted = on
	e.lock.Hidden = !on
	e.invite.Hidden = !on || e.invite.OnTapped == nil
	e.lock.Refresh()
	e.invite.Refresh()
	e.updateBanner()
}

// note records one remote track's state.
func (e *e2eeView) note(r app.RemoteEncryption) {
	m := e.states[r.UserID]
	if m == nil {
		m = map[app.Source]app.Encryption{}
		e.states[r.UserID] = m
	}
	m[r.Source] = r.State
	e.updateBanner()
}

// forget drops a remote who left.
func (e *e2eeView) forget(user string) {
	delete(e.states, user)
	e.updateBanner()
}

// updateBanner explains why someone without the passphrase sees nothing.
func (e *e2eeView) updateBanner() {
	lockedOut := false
	for _, m := range e.states {
		for _, st := range m {
			lockedOut = lockedOut || (!e.encrypted && st == app.EncryptionNoKey)
		}
	}
	e.banner.Hidden = !lockedOut
	e.banner.Refresh()
}

// tileText is what a remote's tile shows for its tracks of sources: a
// status in place of the picture, or a warning beside the name.
func (e *e2eeView) tileText(user string, sources ...app.Source) (status, warning string) {
	worst, plain := app.EncryptionOK, false
	for _, src := range sources {
		st, ok := e.states[user][src]
		switch {
		case !ok:
		case st == app.EncryptionFailed:
			worst = st
		case st == app.EncryptionNoKey && worst != app.EncryptionFailed:
			worst = st
		case st == app.EncryptionNone:
			plain = true
		}
	}
	switch {
	case worst == app.EncryptionFailed:
		status = msgCantDecrypt
	case worst == app.EncryptionNoKey && !e.encrypted:
		status = msgNoPassphrase
	case worst == app.EncryptionNoKey:
		status = msgNoKey
	}
	if plain && e.encrypted {
		warning = msgNotEncrypted
	}
	return status, warning
}

// onEncryption applies CallEncryption and RemoteEncryption to the screen.
func (v *callView) onEncryption(ev app.Event) {
	switch e := ev.(type) {
	case app.CallEncryption:
		v.crypt.setEncrypted(e.Encrypted)
		for id := range v.tiles {
			v.showEncryption(id)
		}
	case app.RemoteEncryption:
		v.crypt.note(e)
		v.showEncryption(e.UserID)
	}
}

// showEncryption updates a remote's tiles: the person's from their camera
// and microphone, their shared screen's from the screen.
func (v *callView) showEncryption(user string) {
	status, warning := v.crypt.tileText(user, app.SourceCamera, app.SourceMicrophone, app.SourceScreenAudio)
	v.updateTile(user, func(i *widgets.TileInfo) { i.Status, i.Warning = status, warning })
	if t := v.screens[user]; t != nil {
		info := t.Info()
		info.Status, info.Warning = v.crypt.tileText(user, app.SourceScreen)
		t.SetInfo(info)
	}
}
