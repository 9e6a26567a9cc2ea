use std::sync::Arc;
use std::time::Instant;
use foxden_db::*;

fn rand<const N: usize>() -> [u8; N] { let mut b=[0u8;N]; for x in b.iter_mut(){*x=fastrand();} b }
fn fastrand() -> u8 { use std::sync::atomic::*; static S: AtomicU64 = AtomicU64::new(88172645463325252); let mut x=S.load(Ordering::Relaxed); x^=x<<13; x^=x>>7; x^=x<<17; S.store(x,Ordering::Relaxed); x as u8 }

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let url = std::env::args().nth(1).unwrap();
    let db = connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let email = format!("{}@x.com", hex::encode(rand::<8>()));
    let uid = rand();
    let a = Account { uid, email: email.clone(), normalized_email: email, email_code: rand(), email_verified: true, ka: rand(), wrap_wrap_kb: rand(), auth_salt: rand(), verify_hash: rand(), verifier_version: 1, verifier_set_at: 1, v2: None, created_at: 1, locale: None, keys_changed_at: 1, profile_changed_at: 1, disabled_at: None, locked_at: None };
    let mk = || SessionToken { core: TokenCore { id_hash: rand(), auth_key_sealed: vec![1; 60], uid, created_at: 1 }, user_agent: UserAgentInfo::default(), last_access_time: 1, auth_at: 1, unverified: None, verification_method: None, verified_at: None };
    let s0 = mk();
    db.create_account(&NewAccount { account: a, session: s0, key_fetch: vec![], replace_uid: None }).await.unwrap();
    let mut ids = vec![];
    let t = Instant::now();
    for _ in 0..2000 { let s = mk(); ids.push(s.core.id_hash); db.create_session(&s, &[]).await.unwrap(); }
    println!("create_session: {:.0}/s", 2000.0 / t.elapsed().as_secs_f64());
    let ids = Arc::new(ids);
    let n = 100_000; let conc = 32;
    let t = Instant::now();
    let mut tasks = vec![];
    for c in 0..conc { let db = db.clone(); let ids = ids.clone(); tasks.push(tokio::spawn(async move { for i in 0..n/conc { db.session(&ids[(i*7+c) % ids.len()]).await.unwrap().unwrap(); } })); }
    for t in tasks { t.await.unwrap(); }
    println!("session lookups: {:.0}/s", n as f64 / t.elapsed().as_secs_f64());
}
