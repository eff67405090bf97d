import { type TSchema, Type } from '@sinclair/typebox';
import {
  PRODUCT_CATEGORY_CODES,
  PRODUCT_GROUPS,
  RELATION_TYPE,
  SCAN_TYPES,
} from '../../broker/dictionaries.ts';
import { ADDRESS_FIELDS, type FieldType, FORM_FIELDS } from '../../broker/form-fields.ts';

/** OpenAPI schemas of the document's objects, built from the same tables the validator uses. */
const Address = Type.Object(
  Object.fromEntries(
    ADDRESS_FIELDS.map(([name, type, required]) => {
      const s = type === 'int' ? Type.Integer() : Type.String();
      return [name, required ? s : Type.Optional(s)];
    }),
  ),
  { title: 'Address' },
);

const Item = Type.Object(
  {
    group: Type.String({ enum: PRODUCT_GROUPS }),
    category: Type.String({ enum: PRODUCT_CATEGORY_CODES }),
    description: Type.String(),
    price: Type.Integer({ description: 'Цена единицы товара в копейках' }),
    vendor_code: Type.Optional(Type.String({ description: 'обязательно для bnpl' })),
    storage_unit: Type.Optional(Type.String({ description: 'обязательно для bnpl' })),
    vat: Type.Optional(Type.String()),
  },
  { title: 'Item' },
);

const RelationPerson = Type.Object(
  {
    type: Type.String({ enum: [...RELATION_TYPE] }),
    first_name: Type.Optional(Type.String()),
    middle_name: Type.Optional(Type.String()),
    last_name: Type.Optional(Type.String()),
    mobile_phone: Type.String(),
  },
  { title: 'RelationPerson' },
);

export const Scan = Type.Object(
  {
    type: Type.String({ enum: [...SCAN_TYPES] }),
    mime_type: Type.String({
      description:
        'image/jpeg, image/png, application/pdf, image/tiff, image/webp, image/gif, image/heic; проверяется по содержимому',
    }),
    base64: Type.String({ description: 'Содержимое скана в Base64, не больше 5 МБ' }),
  },
  { title: 'Scan' },
);

function schemaOf(type: FieldType): TSchema {
  switch (type.t) {
    case 'string':
      return Type.String();
    case 'int':
      return Type.Integer();
    case 'money':
      return Type.Integer({ description: 'копейки' });
    case 'bool':
      return Type.Boolean();
    case 'date':
      return Type.String({ format: 'date' });
    case 'enum':
      return Type.String({ enum: [...type.values] });
    case 'address':
      return Address;
    case 'items':
      return Type.Array(Item);
    case 'relations':
      return Type.Array(RelationPerson);
    case 'scans':
      return Type.Array(Scan);
  }
}

/** `create_form`: every field optional in the schema; requiredness depends on the point's kind. */
export const CreateForm = Type.Object(
  Object.fromEntries(
    FORM_FIELDS.map((f) => [f.name, Type.Optional({ ...schemaOf(f.type), description: f.title })]),
  ),
  {
    description:
      'Обязательность полей зависит от вида точки (pos / bnpl, OFFLINE / ONLINE) и суммы: см. документ. Ошибка 2000 перечисляет все неверные поля в data.errors.',
  },
);

export const FormRef = Type.Object({ partner_guid: Type.String(), form_guid: Type.String() });
export const OfferRef = Type.Object({
  partner_guid: Type.String(),
  form_guid: Type.String(),
  offer_guid: Type.String(),
});
export const CheckCode = Type.Object({
  partner_guid: Type.String(),
  form_guid: Type.String(),
  offer_guid: Type.String(),
  code: Type.String(),
});
export const SaveScans = Type.Object({
  partner_guid: Type.String(),
  form_guid: Type.String(),
  offer_guid: Type.String(),
  scans: Type.Array(Scan),
});
export const FileQuery = Type.Object({ partner_guid: Type.String(), file_guid: Type.String() });
