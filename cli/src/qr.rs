//! QR codes of transaction-request URLs: for the terminal (Unicode half blocks), and as
//! SVG and PNG files a clinic can print or show on a screen.

use crate::error::CliError;
use qrcode::render::{svg, unicode};
use qrcode::{Color, QrCode};

/// Pixels per module in PNG output.
const PNG_SCALE: usize = 8;
/// Light modules around the code (the QR specification's quiet zone).
const QUIET_ZONE: usize = 4;

fn code(text: &str) -> Result<QrCode, CliError> {
    QrCode::new(text.as_bytes())
        .map_err(|e| CliError::bad(format!("cannot encode this URL as a QR code: {e}")))
}

/// The QR code as text for a terminal with a dark background: light modules (and the quiet
/// zone) are drawn as blocks, dark modules are left as the dark background.
pub fn terminal(text: &str) -> Result<String, CliError> {
    Ok(code(text)?
        .render::<unicode::Dense1x2>()
        .dark_color(unicode::Dense1x2::Light)
        .light_color(unicode::Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

/// The QR code as an SVG document.
pub fn svg(text: &str) -> Result<String, CliError> {
    Ok(code(text)?.render::<svg::Color>().min_dimensions(320, 320).quiet_zone(true).build())
}

/// The QR code as a greyscale PNG image.
pub fn png(text: &str) -> Result<Vec<u8>, CliError> {
    let code = code(text)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * PNG_SCALE;
    let mut pixels = vec![255u8; side * side];
    for (index, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (mx, my) = (index % modules + QUIET_ZONE, index / modules + QUIET_ZONE);
            for y in my * PNG_SCALE..(my + 1) * PNG_SCALE {
                let row = y * side;
                pixels[row + mx * PNG_SCALE..row + (mx + 1) * PNG_SCALE].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    {
        let side = u32::try_from(side).map_err(|_| CliError::bad("the QR code is too large"))?;
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| CliError::Io(format!("cannot encode the PNG: {e}")))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| CliError::Io(format!("cannot encode the PNG: {e}")))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes a greyscale PNG with a QR decoder.
    fn decode_png(bytes: &[u8]) -> String {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().expect("png header");
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).expect("png frame");
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        let (w, h) = (info.width as usize, info.height as usize);
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code in the image");
        grids[0].decode().expect("decodes").1
    }

    /// Decodes the terminal rendering: each character is two modules (upper, lower half),
    /// a drawn half being a light module.
    fn decode_terminal(text: &str) -> String {
        let rows: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
        let (w, h) = (rows[0].len(), rows.len() * 2);
        let light = |c: char, upper: bool| match c {
            '█' => true,
            '▀' => upper,
            '▄' => !upper,
            _ => false,
        };
        let scale = 4;
        let mut image =
            rqrr::PreparedImage::prepare_from_greyscale(w * scale, h * scale, |x, y| {
                let (cx, cy) = (x / scale, y / scale);
                if light(rows[cy / 2][cx], cy % 2 == 0) {
                    255
                } else {
                    0
                }
            });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code in the terminal text");
        grids[0].decode().expect("decodes").1
    }

    #[test]
    fn png_and_terminal_codes_decode_to_the_exact_url() {
        let url = medchain_sdk::actions::spec::transaction_request_url(
            "https://clinic.example/api/actions/grant?provider=7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU&categories=imaging%2Cobservations&purposes=TREAT&actions=read&duration=2592000&until=1900000000&sig=5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW",
        );
        assert_eq!(decode_png(&png(&url).expect("png")), url);
        assert_eq!(decode_terminal(&terminal(&url).expect("terminal")), url);
        let svg = svg(&url).expect("svg");
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{}", &svg[..80]);
    }
}
