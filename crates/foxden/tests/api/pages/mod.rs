//! The pages behind the links foxden mails (content URL = the public URL, the
//! default): every template's headers (PROTOCOL §17.5), every link in every mail
//! followed, forms submitted, bad input and the content URL pointing elsewhere.

mod input;
mod support;
mod tour;
