package ui

import (
	"net/url"
	"regexp"
	"strings"

	"fyne.io/fyne/v2/widget"
)

// linkPattern finds web links in chat text: http(s) and www. addresses,
// up to a space; trailing punctuation stays out of the link.
var linkPattern = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"]+`)

// chatSegments turns a message into rich text whose links can be clicked
// (they open in the browser).
func chatSegments(text string) []widget.RichTextSegment {
	var segs []widget.RichTextSegment
	plain := func(s string) {
		if s != "" {
			segs = append(segs, &widget.TextSegment{Style: widget.RichTextStyleInline, Text: s})
		}
	}
	rest := 0
	for _, m := range linkPattern.FindAllStringIndex(text, -1) {
		link := strings.TrimRight(text[m[0]:m[1]], ".,;:!?)]}'")
		target := link
		if !strings.Contains(strings.ToLower(link[:min(len(link), 8)]), "://") {
			target = "https://" + link
		}
		u, err := url.Parse(target)
		if err != nil {
			continue
		}
		plain(text[rest:m[0]])
		segs = append(segs, &widget.HyperlinkSegment{Text: link, URL: u})
		rest = m[0] + len(link)
	}
	plain(text[rest:])
	return segs
}
