//! The pipe from frame sources to the mounted app: actions sent before the app is ready
//! wait in a bounded queue and are delivered when it attaches.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use crate::state::Action;

/// Actions kept while no app is attached; older ones are dropped first.
pub const QUEUE: usize = 512;

type Sink = Rc<dyn Fn(Action)>;

#[derive(Default)]
struct Inner {
    sink: Option<Sink>,
    queue: Vec<Action>,
}

/// A shared pipe of actions; clones share it.
#[derive(Clone, Default)]
pub struct Feed(Rc<RefCell<Inner>>);

impl fmt::Debug for Feed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Feed")
    }
}

impl PartialEq for Feed {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Feed {
    /// Delivers `action` to the attached app, or queues it.
    pub fn send(&self, action: Action) {
        let sink = self.0.borrow().sink.clone();
        match sink {
            // Called with no borrow held: the sink may send again.
            Some(sink) => sink(action),
            None => {
                let mut inner = self.0.borrow_mut();
                if inner.queue.len() >= QUEUE {
                    inner.queue.remove(0);
                }
                inner.queue.push(action);
            }
        }
    }

    /// Attaches the app's dispatcher and delivers what was queued.
    pub fn attach(&self, sink: Sink) {
        let queued = {
            let mut inner = self.0.borrow_mut();
            inner.sink = Some(Rc::clone(&sink));
            std::mem::take(&mut inner.queue)
        };
        for a in queued {
            sink(a);
        }
    }

    /// Detaches the app; later actions queue again.
    pub fn detach(&self) {
        self.0.borrow_mut().sink = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Period;

    #[test]
    fn queues_until_attached_then_delivers_in_order() {
        let feed = Feed::default();
        feed.send(Action::Period(Period::Hour));
        feed.send(Action::Pause);
        let got = Rc::new(RefCell::new(Vec::new()));
        let g = Rc::clone(&got);
        feed.attach(Rc::new(move |a| g.borrow_mut().push(a)));
        feed.send(Action::Resume);
        assert_eq!(
            *got.borrow(),
            vec![Action::Period(Period::Hour), Action::Pause, Action::Resume]
        );
        feed.detach();
        feed.send(Action::Clear);
        assert_eq!(got.borrow().len(), 3);
        assert_eq!(feed.0.borrow().queue.len(), 1);
        assert_eq!(feed.clone(), feed);
        assert_ne!(Feed::default(), feed);
    }

    #[test]
    fn the_queue_is_bounded() {
        let feed = Feed::default();
        for k in 0..(QUEUE + 10) {
            feed.send(Action::Tick(k as f64));
        }
        let inner = feed.0.borrow();
        assert_eq!(inner.queue.len(), QUEUE);
        assert_eq!(inner.queue.first(), Some(&Action::Tick(10.0)));
    }
}
