package ui

import (
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"confer/media/capture"
)

// toggleShare starts or stops sharing a screen. With several screens the
// person picks one; with none, the banner says so.
func (c *controller) toggleShare() {
	s, v := c.pres, c.view
	if s == nil || v == nil {
		return
	}
	if v.sharing {
		s.call.StopScreenShare()
		return
	}
	screens := capture.Screens()
	switch len(screens) {
	case 0:
		v.showBanner("There is no screen to share.")
	case 1:
		c.startShare(screens[0].ID)
	default:
		ds := fromCapture(screens)
		pick := widget.NewSelect(names(ds), nil)
		pick.SetSelectedIndex(0)
		dialog.ShowForm("Share a screen", "Share", "Cancel", []*widget.FormItem{widget.NewFormItem("Screen", pick)},
			func(ok bool) {
				if ok {
					c.startShare(ds[max(pick.SelectedIndex(), 0)].ID)
				}
			}, c.w)
	}
}

// startShare asks the call to share a screen; the toolbar follows the
// call's LocalSourceChanged, and a failure comes as a DeviceError.
func (c *controller) startShare(id string) {
	if s := c.pres; s != nil {
		s.call.ShareScreen(id)
	}
}
