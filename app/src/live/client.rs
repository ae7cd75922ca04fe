use super::LiveEvent;

/// Calls `on_event` with every live event of the signed-in organization while
/// the calling component is mounted. Opens one `EventSource` on `/live`; after
/// an error it waits 1 s, then 2, 4 … up to 30 s before trying again, and a
/// successful connection resets the wait. A reconnection is reported as
/// [`LiveEvent::Resync`]: events sent during the break are lost. Does nothing
/// during server rendering.
#[cfg(feature = "hydrate")]
pub fn use_live_events(on_event: impl Fn(LiveEvent) + 'static) {
    use leptos::prelude::on_cleanup;
    use send_wrapper::SendWrapper;
    use std::cell::RefCell;
    use std::rc::Rc;

    let live = Rc::new(Connection {
        source: RefCell::new(None),
        backoff_ms: RefCell::new(INITIAL_BACKOFF_MS),
        interrupted: RefCell::new(false),
        stopped: RefCell::new(false),
        on_event: Box::new(on_event),
    });
    Connection::open(&live);
    let live = SendWrapper::new(live);
    on_cleanup(move || {
        *live.stopped.borrow_mut() = true;
        if let Some(source) = live.source.borrow_mut().take() {
            source.close();
        }
    });
}

#[cfg(not(feature = "hydrate"))]
pub fn use_live_events(_on_event: impl Fn(LiveEvent) + 'static) {}

#[cfg(feature = "hydrate")]
const INITIAL_BACKOFF_MS: u32 = 1_000;
#[cfg(feature = "hydrate")]
const MAX_BACKOFF_MS: u32 = 30_000;

#[cfg(feature = "hydrate")]
struct Connection {
    source: std::cell::RefCell<Option<web_sys::EventSource>>,
    backoff_ms: std::cell::RefCell<u32>,
    /// Since the last successful open: the first connection failed, or an
    /// open one broke. Either way, events went by unheard.
    interrupted: std::cell::RefCell<bool>,
    stopped: std::cell::RefCell<bool>,
    on_event: Box<dyn Fn(LiveEvent)>,
}

#[cfg(feature = "hydrate")]
impl Connection {
    fn open(this: &std::rc::Rc<Self>) {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;

        if *this.stopped.borrow() {
            return;
        }
        let Ok(source) = web_sys::EventSource::new("/live") else {
            return;
        };
        let on_message = {
            let this = this.clone();
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |message: web_sys::MessageEvent| {
                let event = message
                    .data()
                    .as_string()
                    .and_then(|data| serde_json::from_str::<LiveEvent>(&data).ok());
                if let Some(event) = event {
                    (this.on_event)(event);
                }
            })
        };
        let on_open = {
            let this = this.clone();
            Closure::<dyn Fn()>::new(move || this.opened())
        };
        let on_error = {
            let this = this.clone();
            Closure::<dyn Fn()>::new(move || this.retry_later())
        };
        source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // The handlers live as long as the page: a few per mounted component.
        on_message.forget();
        on_open.forget();
        on_error.forget();
        *this.source.borrow_mut() = Some(source);
    }

    fn opened(&self) {
        *self.backoff_ms.borrow_mut() = INITIAL_BACKOFF_MS;
        if self.interrupted.replace(false) {
            (self.on_event)(LiveEvent::Resync);
        }
    }

    /// The browser's own retry ignores backoff and our session ending: close
    /// and reopen on our schedule instead.
    fn retry_later(self: &std::rc::Rc<Self>) {
        *self.interrupted.borrow_mut() = true;
        if let Some(source) = self.source.borrow_mut().take() {
            source.close();
        }
        let delay = *self.backoff_ms.borrow();
        *self.backoff_ms.borrow_mut() = (delay * 2).min(MAX_BACKOFF_MS);
        let this = self.clone();
        leptos::prelude::set_timeout(
            move || Connection::open(&this),
            std::time::Duration::from_millis(delay.into()),
        );
    }
}
