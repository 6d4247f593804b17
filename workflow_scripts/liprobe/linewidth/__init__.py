"""Line widths over temperature: motional narrowing (SCIENCE.md section 8)."""
