//! Rasterises an SVG file with the charts' embedded fonts, as the service does:
//! `cargo run -p barometer-charts --example svg2png -- IN.svg OUT.png [WIDTH]`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, rest @ ..] = args.as_slice() else {
        return Err("usage: svg2png IN.svg OUT.png [WIDTH]".into());
    };
    let width = rest.first().map(|w| w.parse()).transpose()?.unwrap_or(barometer_charts::DEFAULT_PNG_WIDTH);
    let svg = std::fs::read_to_string(input)?;
    std::fs::write(output, barometer_charts::svg_to_png(&svg, width)?)?;
    Ok(())
}
