//! The activity feed's vocabulary: event type codes with their names, and event ids —
//! opaque 26-character strings like amoCRM's (`01pz58t6p04ymgsgfbmfyfy1mf`), which the fake
//! derives from the event's position so that it needs no map to find one.

use crate::model::rng::mix;

/// Every documented event type: its key, its numeric type and its name in Russian and
/// English (Spanish and Portuguese names fall back to English).
pub(crate) const EVENT_TYPES: &[(&str, i64, &str, &str)] = &[
    ("lead_added", 1, "Новая сделка", "Lead added"),
    ("lead_deleted", 7, "Сделка удалена", "Lead deleted"),
    ("lead_restored", 8, "Сделка восстановлена", "Lead restored"),
    (
        "lead_status_changed",
        9,
        "Изменение этапа продажи",
        "Lead stage changed",
    ),
    ("lead_linked", 10, "Прикрепление сделки", "Lead linked"),
    ("lead_unlinked", 11, "Открепление сделки", "Lead unlinked"),
    ("contact_added", 12, "Новый контакт", "Contact added"),
    ("contact_deleted", 13, "Контакт удален", "Contact deleted"),
    (
        "contact_restored",
        14,
        "Контакт восстановлен",
        "Contact restored",
    ),
    (
        "contact_linked",
        15,
        "Прикрепление контакта",
        "Contact linked",
    ),
    (
        "contact_unlinked",
        16,
        "Открепление контакта",
        "Contact unlinked",
    ),
    ("company_added", 17, "Новая компания", "Company added"),
    ("company_deleted", 18, "Компания удалена", "Company deleted"),
    (
        "company_restored",
        19,
        "Компания восстановлена",
        "Company restored",
    ),
    (
        "company_linked",
        20,
        "Прикрепление компании",
        "Company linked",
    ),
    (
        "company_unlinked",
        21,
        "Открепление компании",
        "Company unlinked",
    ),
    ("customer_added", 22, "Новый покупатель", "Customer added"),
    (
        "customer_deleted",
        23,
        "Покупатель удален",
        "Customer deleted",
    ),
    (
        "customer_status_changed",
        24,
        "Изменение этапа покупателя",
        "Customer stage changed",
    ),
    (
        "customer_linked",
        25,
        "Прикрепление покупателя",
        "Customer linked",
    ),
    (
        "customer_unlinked",
        26,
        "Открепление покупателя",
        "Customer unlinked",
    ),
    ("task_added", 27, "Новая задача", "Task added"),
    ("task_deleted", 28, "Задача удалена", "Task deleted"),
    ("task_completed", 29, "Завершение задачи", "Task completed"),
    (
        "task_type_changed",
        30,
        "Изменение типа задачи",
        "Task type changed",
    ),
    (
        "task_text_changed",
        31,
        "Изменение текста задачи",
        "Task text changed",
    ),
    (
        "task_deadline_changed",
        32,
        "Изменение даты исполнения задачи",
        "Task deadline changed",
    ),
    (
        "task_result_added",
        33,
        "Результат по задаче",
        "Task result added",
    ),
    ("incoming_call", 34, "Входящий звонок", "Incoming call"),
    ("outgoing_call", 35, "Исходящий звонок", "Outgoing call"),
    (
        "incoming_chat_message",
        36,
        "Входящее сообщение",
        "Incoming chat message",
    ),
    (
        "outgoing_chat_message",
        37,
        "Исходящее сообщение",
        "Outgoing chat message",
    ),
    (
        "entity_direct_message",
        38,
        "Сообщение внутреннего чата",
        "Direct message",
    ),
    ("incoming_sms", 39, "Входящее SMS", "Incoming SMS"),
    ("outgoing_sms", 40, "Исходящее SMS", "Outgoing SMS"),
    ("entity_tag_added", 41, "Теги добавлены", "Tag added"),
    ("entity_tag_deleted", 42, "Теги убраны", "Tag removed"),
    ("entity_linked", 43, "Прикрепление", "Entity linked"),
    ("entity_unlinked", 44, "Открепление", "Entity unlinked"),
    (
        "sale_field_changed",
        45,
        "Изменение поля «Бюджет»",
        "Budget changed",
    ),
    (
        "name_field_changed",
        46,
        "Изменение поля «Название»",
        "Name changed",
    ),
    ("ltv_field_changed", 47, "Сумма покупок", "LTV changed"),
    (
        "custom_field_value_changed",
        48,
        "Изменение поля",
        "Field value changed",
    ),
    (
        "entity_responsible_changed",
        49,
        "Ответственный изменен",
        "Responsible changed",
    ),
    ("robot_replied", 50, "Ответ робота", "Robot replied"),
    (
        "intent_identified",
        51,
        "Тема вопроса определена",
        "Intent identified",
    ),
    ("nps_rate_added", 52, "Новая оценка NPS", "NPS rate added"),
    ("link_followed", 53, "Переход по ссылке", "Link followed"),
    (
        "transaction_added",
        54,
        "Добавлена покупка",
        "Transaction added",
    ),
    ("common_note_added", 55, "Новое примечание", "Note added"),
    (
        "common_note_deleted",
        56,
        "Примечание удалено",
        "Note deleted",
    ),
    (
        "attachment_note_added",
        57,
        "Добавлен новый файл",
        "File added",
    ),
    (
        "targeting_in_note_added",
        58,
        "Добавление в ретаргетинг",
        "Added to retargeting",
    ),
    (
        "targeting_out_note_added",
        59,
        "Удаление из ретаргетинга",
        "Removed from retargeting",
    ),
    (
        "geo_note_added",
        60,
        "Новое примечание с гео-меткой",
        "Geo note added",
    ),
    (
        "service_note_added",
        61,
        "Новое системное примечание",
        "Service note added",
    ),
    ("site_visit_note_added", 62, "Заход на сайт", "Site visit"),
    (
        "message_to_cashier_note_added",
        63,
        "Новое примечание о доходе",
        "Message to cashier",
    ),
    (
        "key_action_completed",
        64,
        "Ключевое действие",
        "Key action completed",
    ),
    (
        "entity_merged",
        65,
        "Выполнено объединение",
        "Entities merged",
    ),
];

/// Whether `code` is a documented type or the pattern `custom_field_{ID}_value_changed`.
pub(crate) fn is_known_type(code: &str) -> bool {
    EVENT_TYPES.iter().any(|t| t.0 == code) || custom_field_type(code).is_some()
}

/// The field id of a `custom_field_{ID}_value_changed` type.
pub(crate) fn custom_field_type(code: &str) -> Option<i64> {
    let id = code
        .strip_prefix("custom_field_")?
        .strip_suffix("_value_changed")?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        .then(|| id.parse().ok())
        .flatten()
}

/// Lower-case Crockford base32, as amoCRM's ids look.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

fn base32(mut n: u64, width: usize, out: &mut String) {
    let mut digits = vec![b'0'; width];
    for d in digits.iter_mut().rev() {
        *d = ALPHABET[(n & 31) as usize];
        n >>= 5;
    }
    out.extend(digits.into_iter().map(char::from));
}

/// The id of the event at `seq` in account `account`'s feed: `01`, 13 characters that look
/// random, 11 that encode `seq`.
pub(crate) fn event_id(account: i64, seq: usize) -> String {
    let mut id = String::with_capacity(26);
    id.push_str("01");
    base32(mix(seq as u64 ^ mix(account as u64)) >> 1, 13, &mut id);
    base32(seq as u64, 11, &mut id);
    id
}

/// The position of the event with this id in account `account`'s feed, if it is one of
/// its ids.
pub(crate) fn event_seq(account: i64, id: &str) -> Option<usize> {
    if id.len() != 26 || !id.is_ascii() {
        return None;
    }
    let seq = id[15..].bytes().try_fold(0u64, |n, b| {
        let digit = ALPHABET.iter().position(|&a| a == b)? as u64;
        n.checked_mul(32)?.checked_add(digit)
    })?;
    let seq = usize::try_from(seq).ok()?;
    (event_id(account, seq) == id).then_some(seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_differ_per_account() {
        for seq in [0, 1, 31, 32, 99_999, 1 << 40] {
            let id = event_id(3, seq);
            assert_eq!(id.len(), 26, "{id}");
            assert!(id.starts_with("01"));
            assert_eq!(event_seq(3, &id), Some(seq));
            assert_eq!(event_seq(4, &id), None);
        }
        assert_ne!(event_id(0, 1)[2..15], event_id(0, 2)[2..15]);
        assert_eq!(event_seq(0, "01pz58t6p04ymgsgfbmfyfy1mf"), None);
        assert_eq!(event_seq(0, "short"), None);
        let mut bad = event_id(0, 5);
        bad.replace_range(25.., "!");
        assert_eq!(event_seq(0, &bad), None);
    }

    #[test]
    fn event_type_codes() {
        assert!(is_known_type("lead_added"));
        assert!(is_known_type("custom_field_57832_value_changed"));
        assert!(!is_known_type("custom_field__value_changed"));
        assert!(!is_known_type("custom_field_5x_value_changed"));
        assert!(!is_known_type("lead_teleported"));
        assert_eq!(custom_field_type("custom_field_7_value_changed"), Some(7));
        let mut keys: Vec<&str> = EVENT_TYPES.iter().map(|t| t.0).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), EVENT_TYPES.len());
    }
}
