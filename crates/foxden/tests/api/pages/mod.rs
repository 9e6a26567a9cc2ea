//! The pages behind the links foxden mails (content URL = the public URL, the
//! default): every template's headers (PROTOCOL §17.5), every link in every mail
//! followed, forms submitted, bad input and the content URL pointing elsewhere;
//! and the page the `verify_login` push opens (`push.rs`).

mod input;
mod push;
mod support;
mod tour;
