package ui

import (
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"confer/media/capture"
)

// toggleShare starts or stops sharing a screen. With several screens the
// person picks one; with none, the banner says so.
func (c *controller) toggleShare() {
	s, v := c.sess, c.view
	if s == nil || v == nil {
		return
	}
	if v.sharing {
		go func() {
			_ = s.call.StopScreenShare()
			c.b.do(func() { v.setSharing(false); c.dumpState() })
		}()
		return
	}
	screens := capture.Screens()
	switch len(screens) {
	case 0:
		v.showBanner("There is no screen to share.")
	case 1:
		c.startShare(screens[0].ID)
	default:
		ids, labels := names(screens)
		pick := widget.NewSelect(labels, nil)
		pick.SetSelectedIndex(0)
		dialog.ShowForm("Share a screen", "Share", "Cancel", []*widget.FormItem{widget.NewFormItem("Screen", pick)},
			func(ok bool) {
				if ok {
					c.startShare(ids[max(pick.SelectedIndex(), 0)])
				}
			}, c.w)
	}
}

func (c *controller) startShare(id string) {
	s, v := c.sess, c.view
	go func() {
		if s.call.ShareScreen(id) != nil {
			return // the engine reports why as a DeviceError
		}
		c.b.do(func() { v.setSharing(true); c.dumpState() })
	}()
}
