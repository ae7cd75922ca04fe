//! The numbers behind a chart: a value axis with round ticks and where a
//! value sits on it. Pure, so the server and the browser draw the same chart.

/// A value axis from 0 to `top` in `step`s of 1, 2 or 5 × 10ⁿ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Axis {
    pub top: i64,
    pub step: i64,
}

impl Axis {
    /// The smallest round axis that holds `max` in about `ticks` steps
    /// (never fewer than one step, never a top of 0).
    pub fn fitting(max: i64, ticks: i64) -> Self {
        let max = max.max(1);
        let ticks = ticks.max(1);
        let raw = (max + ticks - 1) / ticks;
        let mut magnitude = 1_i64;
        while magnitude.saturating_mul(10) <= raw {
            magnitude *= 10;
        }
        let step = [1, 2, 5, 10]
            .into_iter()
            .map(|m| m * magnitude)
            .find(|&step| step >= raw)
            .unwrap_or(10 * magnitude);
        let top = (max + step - 1) / step * step;
        Self { top, step }
    }

    /// 0, step, 2 × step, …, top.
    pub fn ticks(self) -> Vec<i64> {
        (0..=self.top / self.step).map(|i| i * self.step).collect()
    }

    /// How high `value` sits, as a share of the axis from 0.0 to 1.0.
    pub fn share(self, value: i64) -> f64 {
        (value.clamp(0, self.top) as f64) / self.top as f64
    }
}

/// A whole number the way an axis labels it: "0", "950", "12k", "1.5M".
pub fn compact(value: i64) -> String {
    let format = |scaled: f64, suffix: &str| {
        let text = format!("{scaled:.1}");
        format!("{}{suffix}", text.trim_end_matches(".0"))
    };
    match value.abs() {
        v if v >= 1_000_000_000 => format(value as f64 / 1e9, "B"),
        v if v >= 1_000_000 => format(value as f64 / 1e6, "M"),
        v if v >= 10_000 => format(value as f64 / 1e3, "k"),
        _ => crate::money::group_thousands(value.max(0) as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn axes_are_round_and_just_hold_the_maximum() {
        assert_eq!(Axis::fitting(0, 4), Axis { top: 1, step: 1 });
        assert_eq!(Axis::fitting(7, 4), Axis { top: 8, step: 2 });
        assert_eq!(Axis::fitting(83, 4), Axis { top: 100, step: 50 });
        assert_eq!(
            Axis::fitting(16_667, 4),
            Axis {
                top: 20_000,
                step: 5_000
            }
        );
        assert_eq!(
            Axis::fitting(1_000, 4),
            Axis {
                top: 1_000,
                step: 500
            }
        );
        assert_eq!(Axis::fitting(7, 4).ticks(), [0, 2, 4, 6, 8]);
        assert_eq!(Axis::fitting(7, 4).share(6), 0.75);
    }

    #[test]
    fn compact_labels_read_like_a_dashboard() {
        assert_eq!(compact(0), "0");
        assert_eq!(compact(9_500), "9,500");
        assert_eq!(compact(12_000), "12k");
        assert_eq!(compact(16_500), "16.5k");
        assert_eq!(compact(1_500_000), "1.5M");
        assert_eq!(compact(5_000_000), "5M");
    }

    proptest! {
        #[test]
        fn every_axis_holds_its_maximum_in_few_round_steps(max in 0_i64..10_000_000_000, ticks in 1_i64..8) {
            let axis = Axis::fitting(max, ticks);
            prop_assert!(axis.top >= max.max(1));
            prop_assert_eq!(axis.top % axis.step, 0);
            // Round: the step's leading digit is 1, 2 or 5.
            let mut lead = axis.step;
            while lead % 10 == 0 { lead /= 10; }
            prop_assert!([1, 2, 5].contains(&lead), "step {}", axis.step);
            // Never much more than asked for, and the top is not a whole step too high.
            prop_assert!(axis.top / axis.step <= 2 * ticks + 1);
            prop_assert!(axis.top - axis.step < max.max(1));
        }
    }
}
