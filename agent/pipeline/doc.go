// Package pipeline turns a sensor's samples into published predictions:
//
//	Offer -> queue -> data quality -> preprocess -> model -> postprocess -> publish decision -> Sink
//
// One Pipeline runs one model on one sensor. Offer never blocks: samples
// wait in a bounded queue that drops its oldest entry when full (counted in
// Stats.Dropped). Run consumes the queue on one goroutine, so the
// preprocessing state needs no locks; the model is shared with other users
// through Model.Run, which holds the interpreter's lock for one inference.
//
// # Sources
//
// A sensor with channels (Options.Channels non-nil) is a time-series source:
// each sample carries one value per channel and the pipeline feeds the model
// windows of Window.Size consecutive samples. A sensor without channels is a
// frame source: each sample is an image (resized and converted to the
// model's input) or a raw tensor (the input's bytes, copied as they are).
//
// # Data quality (time series)
//
// Each sample is checked before windowing, on the channels the pipeline uses
// (Options.Select, or all of the sensor's channels). A sample is rejected,
// counted by reason and never reaches the model when
//
//   - it has no values at all ("no_channels"), or a number of values other
//     than the sensor's channel count, or carries an image or raw tensor
//     instead ("bad_shape");
//   - a value is NaN ("nan") or ±Inf ("inf"): always;
//   - a value is outside [Quality.Min, Quality.Max] ("out_of_range"), or its
//     normalized value does not fit a float32 (also "out_of_range");
//   - a channel has held the same value for Quality.StuckSamples consecutive
//     samples including this one ("stuck"); every following sample with
//     that same value is rejected too, until the value changes. Every sample
//     seen (accepted or not) counts towards these runs.
//
// When several checks fail, the reason is the first of nan, inf,
// out_of_range, stuck. A rejected sample breaks the window's continuity:
// the window restarts empty, because a window with a hole in it is not the
// signal the model was trained on. Rejections are logged at most once per
// reason per 10 s, with the number of occurrences since the last line.
//
// Frame sources reject an image with no pixels or more than MaxImagePixels
// pixels, an image when the model input is not an image, a raw tensor whose
// length differs from the input's byte size ("bad_shape"), a float32 raw
// tensor holding NaN or ±Inf ("nan", "inf"), and a sample with values
// ("bad_shape") or with nothing ("no_channels").
//
// # Windows
//
// A window of Size samples and C channels is written to the model input in
// time order, oldest first, channel-minor: element [t*C + c]. The model
// input must be float32, int8, uint8 or int16 with one of the shapes
// [1, Size, C], [1, Size*C] or [1, Size, C, 1]; Size 0 takes the size from
// the shape. With Interval 0 the first window is inferred as soon as it is
// full, then every Stride accepted samples (Stride 0 means Size: windows that
// do not overlap). With Interval > 0 the stride is not used: every Interval
// the latest full window is inferred if at least one sample arrived since
// the last inference, and nothing is done otherwise.
//
// # Images
//
// The image is converted to grey (luma 0.299 R + 0.587 G + 0.114 B, or the
// grey level itself when R = G = B) or RGB, resized to the model's width
// and height (half-pixel centres, as OpenCV's INTER_LINEAR and TensorFlow 2's
// resize: bilinear, or nearest), and written in NHWC or NCHW order. Its
// encoding says what a pixel means:
//
//   - "value" (default): each 8-bit level 0..255 is a real value, normalized
//     by Normalize (per colour channel) and quantized with the input
//     tensor's own scale and zero point;
//   - "stored": each 8-bit level is the tensor element itself, as the TFLite
//     Micro person_detection example feeds its test images: copied into a
//     uint8 input, reinterpreted as two's complement into an int8 input
//     (200 becomes -56). Resizing interpolates the element values. A grey
//     input takes each pixel's first (red) byte.
//
// # Quantization
//
// Real values enter a quantized input as TFLite's reference Quantize does:
// q = clamp(round(x / scale) + zero_point) with the division in float32 and
// rounding half away from zero; values beyond the type's range saturate.
// FillTensor and DequantizeTensor are exported for other users (the local
// API's infer endpoint).
//
// # Postprocessing and publishing
//
// The chosen output is dequantized (real = scale * (q - zero_point)) and
// reported as it is: no softmax is added. Kind "classification" fills
// Prediction.Top with up to TopK labels scoring at least Threshold (labels
// from Model.Labels, "class_N" where missing); "regression" and "raw" report
// the vector; "anomaly" reports {"score": s, "anomaly": s >= Threshold},
// where s is the output itself when it has one element, else the mean
// squared error between the output and the model's (dequantized) input, an
// autoencoder's reconstruction error. Non-finite output values are written
// as JSON null.
//
// Publish "always" sinks every prediction. "on_change" sinks the first one
// and then only a change: of the reported top-1 label ("" when no class
// reaches Threshold), of the anomaly flag, or of any regression/raw value by
// more than Threshold from the last published one. "above_threshold" sinks
// a prediction whose top-1 score, anomaly score or any regression/raw value
// is at least Threshold. The others are counted in Stats.Suppressed.
//
// # Shutdown
//
// Run returns once its context ends, after finishing the sample or
// inference in flight; a prediction already computed is still handed to the
// Sink, with a context that is not cancelled. Samples still queued stay
// queued: Drain processes them (and, with an Interval, infers once more on
// the newest data) and returns, so a daemon stops its sensors, cancels Run,
// then calls Drain with its shutdown deadline.
package pipeline
