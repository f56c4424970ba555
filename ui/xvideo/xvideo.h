// Video painted into X11 child windows through MIT-SHM, with XCB: errors
// come back as values (Xlib's default handler would end the process when
// the parent window is destroyed under a surface).
#include <stdint.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <xcb/xcb.h>
#include <xcb/shm.h>
#include <xcb/shape.h>

enum {
	XV_OK = 0,
	XV_NO_DISPLAY,  // no X server at $DISPLAY
	XV_NO_SHM,      // MIT-SHM absent or unusable (a remote display)
	XV_NO_SHAPE,    // SHAPE absent: the child windows would take the clicks
	XV_NO_WINDOW,   // the parent window is gone or unreadable
	XV_BAD_VISUAL,  // pixels are not 32-bit words with 8-bit R, G, B at 16, 8, 0
	XV_NO_MEMORY,   // no shared memory segment
};

typedef struct {
	xcb_connection_t *c;
	xcb_window_t parent;
	uint8_t depth;
} xvConn;

// One shared-memory image buffer. fence is a round trip asked for after the
// buffer's last put: once its reply is in, the server has read the buffer.
typedef struct {
	xcb_shm_seg_t seg;
	uint8_t *mem;
	uint32_t size;
	xcb_get_input_focus_cookie_t fence;
	int fenced;
} xvBuf;

typedef struct {
	xcb_window_t win;
	xcb_gcontext_t gc;
	xvBuf buf[2]; // written alternately, so a put never waits for the last
	int next;
	int mapped;
} xvSurface;

static void xvDrain(xvConn *x) {
	xcb_generic_event_t *ev;
	while ((ev = xcb_poll_for_event(x->c)) != NULL) {
		free(ev); // errors of unchecked requests: a surface's parent went away
	}
}

static int xvPixelsFit(xvConn *x, xcb_visualid_t vid) {
	const xcb_setup_t *setup = xcb_get_setup(x->c);
	int bpp = 0;
	xcb_format_iterator_t f = xcb_setup_pixmap_formats_iterator(setup);
	for (; f.rem; xcb_format_next(&f)) {
		if (f.data->depth == x->depth) bpp = f.data->bits_per_pixel;
	}
	if (bpp != 32 || setup->image_byte_order != XCB_IMAGE_ORDER_LSB_FIRST) return 0;
	xcb_screen_iterator_t s = xcb_setup_roots_iterator(setup);
	for (; s.rem; xcb_screen_next(&s)) {
		xcb_depth_iterator_t d = xcb_screen_allowed_depths_iterator(s.data);
		for (; d.rem; xcb_depth_next(&d)) {
			xcb_visualtype_iterator_t v = xcb_depth_visuals_iterator(d.data);
			for (; v.rem; xcb_visualtype_next(&v)) {
				if (v.data->visual_id != vid) continue;
				return v.data->_class == XCB_VISUAL_CLASS_TRUE_COLOR &&
					v.data->red_mask == 0xff0000 && v.data->green_mask == 0xff00 &&
					v.data->blue_mask == 0xff;
			}
		}
	}
	return 0;
}

static void xvRelease(xvConn *x, xvBuf *b);
static int xvAlloc(xvConn *x, xvBuf *b, uint32_t size);

// xvOpen connects to $DISPLAY and checks what painting into parent needs.
static int xvOpen(xvConn *x, uint32_t parent) {
	int screen;
	x->c = xcb_connect(NULL, &screen);
	if (xcb_connection_has_error(x->c)) return XV_NO_DISPLAY;
	const xcb_query_extension_reply_t *ext = xcb_get_extension_data(x->c, &xcb_shm_id);
	if (ext == NULL || !ext->present) return XV_NO_SHM;
	ext = xcb_get_extension_data(x->c, &xcb_shape_id);
	if (ext == NULL || !ext->present) return XV_NO_SHAPE;
	xcb_get_geometry_reply_t *g = xcb_get_geometry_reply(x->c, xcb_get_geometry(x->c, parent), NULL);
	if (g == NULL) return XV_NO_WINDOW;
	x->depth = g->depth;
	free(g);
	xcb_get_window_attributes_reply_t *a =
		xcb_get_window_attributes_reply(x->c, xcb_get_window_attributes(x->c, parent), NULL);
	if (a == NULL) return XV_NO_WINDOW;
	xcb_visualid_t vid = a->visual;
	free(a);
	if (!xvPixelsFit(x, vid)) return XV_BAD_VISUAL;
	x->parent = parent;
	// A display on another machine cannot attach our memory: find out now.
	xvBuf probe = {0};
	int err = xvAlloc(x, &probe, 4096);
	xvRelease(x, &probe);
	return err;
}

static void xvClose(xvConn *x) {
	if (x->c != NULL) xcb_disconnect(x->c);
	x->c = NULL;
}

// xvAlloc gives b a segment of size bytes that the server has attached. The
// segment is marked for removal at once, so it goes when both sides detach,
// even if the process dies.
static int xvAlloc(xvConn *x, xvBuf *b, uint32_t size) {
	int id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
	if (id < 0) return XV_NO_MEMORY;
	void *mem = shmat(id, NULL, 0);
	if (mem == (void *)-1) {
		shmctl(id, IPC_RMID, NULL);
		return XV_NO_MEMORY;
	}
	xcb_shm_seg_t seg = xcb_generate_id(x->c);
	xcb_generic_error_t *e = xcb_request_check(x->c, xcb_shm_attach_checked(x->c, seg, id, 0));
	shmctl(id, IPC_RMID, NULL);
	if (e != NULL || xcb_connection_has_error(x->c)) {
		free(e);
		shmdt(mem);
		return XV_NO_SHM;
	}
	b->seg = seg;
	b->mem = mem;
	b->size = size;
	b->fenced = 0;
	return XV_OK;
}

static void xvWait(xvConn *x, xvBuf *b) {
	if (b->fenced) free(xcb_get_input_focus_reply(x->c, b->fence, NULL));
	b->fenced = 0;
}

static void xvRelease(xvConn *x, xvBuf *b) {
	if (b->mem == NULL) return;
	xvWait(x, b);
	xcb_shm_detach(x->c, b->seg);
	shmdt(b->mem);
	b->mem = NULL;
	b->size = 0;
}

// xvCreate makes s a child window of the parent that is not mapped yet, that
// clicks pass through (an empty input shape: the app under it gets them)
// and that shows background where no picture is.
static int xvCreate(xvConn *x, xvSurface *s, uint32_t background) {
	s->win = xcb_generate_id(x->c);
	uint32_t values[] = {background};
	xcb_void_cookie_t ck = xcb_create_window_checked(x->c, XCB_COPY_FROM_PARENT, s->win, x->parent,
		0, 0, 1, 1, 0, XCB_WINDOW_CLASS_INPUT_OUTPUT, XCB_COPY_FROM_PARENT, XCB_CW_BACK_PIXEL, values);
	xcb_shape_rectangles(x->c, XCB_SHAPE_SO_SET, XCB_SHAPE_SK_INPUT, XCB_CLIP_ORDERING_UNSORTED,
		s->win, 0, 0, 0, NULL);
	s->gc = xcb_generate_id(x->c);
	uint32_t off[] = {0};
	xcb_create_gc(x->c, s->gc, s->win, XCB_GC_GRAPHICS_EXPOSURES, off);
	xcb_generic_error_t *e = xcb_request_check(x->c, ck);
	if (e != NULL || xcb_connection_has_error(x->c)) {
		free(e);
		return XV_NO_WINDOW;
	}
	return XV_OK;
}

static void xvDestroy(xvConn *x, xvSurface *s) {
	xvRelease(x, &s->buf[0]);
	xvRelease(x, &s->buf[1]);
	xcb_free_gc(x->c, s->gc);
	xcb_destroy_window(x->c, s->win);
	xcb_flush(x->c);
	xvDrain(x);
}

// xvPlace moves and sizes the window (in the parent's pixels) or, for an
// empty size, takes it off the screen until the next picture.
static void xvPlace(xvConn *x, xvSurface *s, int px, int py, int w, int h) {
	if (w <= 0 || h <= 0) {
		xcb_unmap_window(x->c, s->win);
		s->mapped = 0;
	} else {
		uint32_t v[] = {(uint32_t)px, (uint32_t)py, (uint32_t)w, (uint32_t)h};
		xcb_configure_window(x->c, s->win,
			XCB_CONFIG_WINDOW_X | XCB_CONFIG_WINDOW_Y | XCB_CONFIG_WINDOW_WIDTH | XCB_CONFIG_WINDOW_HEIGHT, v);
	}
	xcb_flush(x->c);
	xvDrain(x);
}

// xvBegin returns the next buffer's memory, at least size bytes, once the
// server has read what it last showed from it; NULL without memory. A
// buffer over twice the size is made again too: tiles shrink as people
// join, and a segment's written pages stay resident in both processes.
static uint8_t *xvBegin(xvConn *x, xvSurface *s, uint32_t size) {
	xvBuf *b = &s->buf[s->next];
	if (b->mem != NULL && (b->size < size || b->size / 2 > size)) xvRelease(x, b);
	if (b->mem == NULL && xvAlloc(x, b, size) != XV_OK) return NULL;
	xvWait(x, b);
	return b->mem;
}

// xvShow puts the w×h picture written since xvBegin at (dx, dy) in the
// window, mapping the window for its first picture.
static void xvShow(xvConn *x, xvSurface *s, int w, int h, int dx, int dy) {
	xvBuf *b = &s->buf[s->next];
	if (!s->mapped) {
		xcb_map_window(x->c, s->win);
		s->mapped = 1;
	}
	xcb_shm_put_image(x->c, s->win, s->gc, w, h, 0, 0, w, h, dx, dy, x->depth,
		XCB_IMAGE_FORMAT_Z_PIXMAP, 0, b->seg, 0);
	b->fence = xcb_get_input_focus(x->c);
	b->fenced = 1;
	xcb_flush(x->c);
	s->next ^= 1;
	xvDrain(x);
}
