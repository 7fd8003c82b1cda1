//! The transcript stream's event parser yields the same events (or the same "event too large", after the same events)
//! whatever the split of the stream into chunks.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Vec<u8>, Vec<u16>, u8)| {
    let (stream, cuts, max_line) = input;
    let max_line = usize::from(max_line).max(1) * 8;
    let whole = agentphone::fuzzing::sse_events(&[&stream], max_line);
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|&c| usize::from(c) % (stream.len() + 1))
        .collect();
    points.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for p in points {
        chunks.push(&stream[start..p]);
        start = p;
    }
    chunks.push(&stream[start..]);
    let split = agentphone::fuzzing::sse_events(&chunks, max_line);
    assert_eq!(whole, split, "split at {chunks:?}");
    if let Ok(events) = &whole {
        for (event, _) in events {
            assert!(!event.is_empty(), "an event always has a name");
        }
    }
});
