//! CSV: UTF-8 with a byte-order mark, stable keys as headers, formula-like text neutralised.

use super::neutralise;
use super::sheet::{Part, Values};
use crate::AnalyticsError;

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(super) fn write(part: &Part) -> Result<Vec<u8>, AnalyticsError> {
    let fail = |e: ::csv::Error| AnalyticsError::Export(e.to_string());
    let mut out = BOM.to_vec();
    {
        let mut writer = ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(&mut out);
        writer.write_record(part.columns.iter().map(|c| c.key)).map_err(fail)?;
        for row in 0..part.rows() {
            let cells = part.columns.iter().map(|c| match &c.values {
                Values::Text(v) => v[row].as_deref().map(|s| neutralise(s).into_owned()).unwrap_or_default(),
                Values::Int(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
                Values::Float(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
            });
            writer.write_record(cells).map_err(fail)?;
        }
        writer.flush().map_err(|e| AnalyticsError::Export(e.to_string()))?;
    }
    Ok(out)
}
