package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"confer/media"
)

// processingChecks are the three switches of the microphone's clean-up,
// shown in the lobby and in the Devices dialog.
type processingChecks struct {
	echo, noise, gain *widget.Check
}

func newProcessingChecks() *processingChecks {
	return &processingChecks{
		echo:  widget.NewCheck("Echo cancellation", nil),
		noise: widget.NewCheck("Noise suppression", nil),
		gain:  widget.NewCheck("Automatic gain", nil),
	}
}

func (p *processingChecks) set(v media.AudioProcessing) {
	p.echo.SetChecked(v.EchoCancellation)
	p.noise.SetChecked(v.NoiseSuppression)
	p.gain.SetChecked(v.AutoGain)
}

func (p *processingChecks) value() media.AudioProcessing {
	return media.AudioProcessing{EchoCancellation: p.echo.Checked, NoiseSuppression: p.noise.Checked, AutoGain: p.gain.Checked}
}

// onChange calls fn when any of them is switched.
func (p *processingChecks) onChange(fn func()) {
	for _, c := range []*widget.Check{p.echo, p.noise, p.gain} {
		c.OnChanged = func(bool) { fn() }
	}
}

func (p *processingChecks) row() fyne.CanvasObject {
	return container.NewHBox(p.echo, p.noise, p.gain)
}
